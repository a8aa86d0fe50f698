#!/usr/bin/env bash
# bench/fleet-node-cost (issue 11 item 6): what one node of the fleet pays for
# one prune of N unused, unpacked images on its containerd, as the DaemonSet
# runs reclaim (docs/fleet.md "Cost"):
#   cli    `reclaim image prune -a -f` and `--dry-run` under /usr/bin/time -v:
#          CPU seconds (user+sys), wall time, peak RSS
#   serve  `reclaim serve` idle RSS, then its peak RSS (VmHWM) and CPU after
#          `docker image ls` and `docker image prune -a -f` through its socket
#
#   bench/fleet_node_cost.sh PATH/TO/reclaim      env: N=1000 SNAPSHOTTER=overlayfs
#
# Needs root, containerd, ctr, docker, /usr/bin/time. Each run gets a fresh
# private containerd (scripts/containerd.sh, stopped by PID) with the same N
# images imported into namespace `bench`; everything lives in a mktemp -d
# directory removed on exit. Prints one RESULT line per measurement.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
reclaim=$(realpath "${1:?usage: fleet_node_cost.sh PATH/TO/reclaim}")
N=${N:-1000}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
ns=bench
[ "$(id -u)" = 0 ] || { echo "fleet_node_cost.sh: needs root" >&2; exit 2; }
tmp=$(mktemp -d /tmp/reclaim-fleet-cost-XXXXXX)
daemon="" serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  [ -n "$daemon" ] && "$repo/scripts/containerd.sh" stop "$daemon"
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "fleet_node_cost.sh: $*" >&2; exit 1; }

python3 "$repo/tests/e2e/mkarchive.py" "$tmp/images.tar" --bulk "$N" --prefix bench/img || die "mkarchive failed"

# fresh_store NAME: a new containerd with the N images, unpacked; sets sock.
fresh_store() {
  [ -n "$daemon" ] && { "$repo/scripts/containerd.sh" stop "$daemon"; rm -rf "$daemon"; }
  daemon="$tmp/d-$1"
  sock=$("$repo/scripts/containerd.sh" start "$daemon") || die "containerd did not start"
  if ! ctr -a "$sock" -n "$ns" images import --snapshotter "$SNAPSHOTTER" "$tmp/images.tar" >"$tmp/import.log" 2>&1; then
    [ "$SNAPSHOTTER" = overlayfs ] || die "import failed: $(tail -3 "$tmp/import.log")"
    echo "  overlayfs import failed ($(tail -1 "$tmp/import.log")); using native"
    SNAPSHOTTER=native
    fresh_store "$1"
    return
  fi
  local n
  n=$(ctr -a "$sock" -n "$ns" images ls -q | wc -l)
  [ "$n" = "$N" ] || die "expected $N images after the import, found $n"
}
# The store flags as the DaemonSet gives them (without --host, which only the
# kubernetes profile's rules need; the images here are plain ctr imports).
rcargs() { rc=("$reclaim" --store containerd --containerd-address "$sock" --namespace "$ns" --snapshotter "$SNAPSHOTTER"); }

# CPU seconds the private containerd has used so far: a prune's cost on the
# node is the client's CPU plus the daemon's work for it.
daemon_cpu() {
  awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$(cat "$daemon/containerd.pid")/stat"
}

# timed LABEL CMD...: /usr/bin/time -v, prints RESULT (client CPU, the
# daemon's CPU meanwhile, their sum) and remembers the sum in total_cpu[LABEL].
declare -A total_cpu
timed() {
  local label=$1; shift
  local d0 d1
  d0=$(daemon_cpu)
  /usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || die "$label failed: $(tail -3 "$tmp/err")"
  sleep 1  # the daemon's collection after the last delete
  d1=$(daemon_cpu)
  python3 - "$label" "$tmp/time" "$d0" "$d1" >"$tmp/result" <<'PY'
import re, sys
t = open(sys.argv[2]).read()
def f(k): return re.search(re.escape(k) + r": (.*)", t).group(1).strip()
user, sys_ = float(f("User time (seconds)")), float(f("System time (seconds)"))
w = f("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(w)))
daemon = float(sys.argv[4]) - float(sys.argv[3])
print(f"RESULT {sys.argv[1]} cpu_s={user + sys_:.2f} user_s={user:.2f} sys_s={sys_:.2f} "
      f"containerd_cpu_s={daemon:.2f} node_cpu_s={user + sys_ + daemon:.2f} "
      f"wall_s={wall:.2f} peak_rss_mib={int(f('Maximum resident set size (kbytes)')) / 1024:.1f}")
PY
  cat "$tmp/result"
  total_cpu[$label]=$(sed -n 's/.* node_cpu_s=\([0-9.]*\).*/\1/p' "$tmp/result")
}

echo "bench/fleet-node-cost: $N images ($SNAPSHOTTER), containerd $(containerd --version | awk '{print $3}'), $(nproc) CPUs, $reclaim"
fresh_store dry
rcargs; timed "cli-dry-run" "${rc[@]}" image prune -a --dry-run
tail -1 "$tmp/out"
fresh_store real
rcargs; timed "cli-prune" "${rc[@]}" image prune -a -f
tail -1 "$tmp/out"
left=$(ctr -a "$sock" -n "$ns" images ls -q | wc -l)
[ "$left" = 0 ] || die "$left images left after prune -a -f"

# The floor: containerd's own client removing the same N images by name
# (records, then one synchronous collection), which is all a prune of unused
# images must at least cost; reclaim also reads and plans everything first.
fresh_store peer
ctr -a "$sock" -n "$ns" images ls -q >"$tmp/names"
# All but the last without --sync (ctr would collect after each one), the
# last with it: one collection, as a prune does.
head -n -1 "$tmp/names" >"$tmp/names-but-last"
last=$(tail -n 1 "$tmp/names")
timed "ctr-images-rm" bash -c 'xargs -a "$1" ctr -a "$2" -n "$3" images rm >/dev/null &&
  ctr -a "$2" -n "$3" images rm --sync "$4"' _ "$tmp/names-but-last" "$sock" "$ns" "$last"
left=$(ctr -a "$sock" -n "$ns" images ls -q | wc -l)
[ "$left" = 0 ] || die "$left images left after ctr images rm"
python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'RATIO cli-prune/ctr-images-rm node_cpu {a / b:.2f}' if b else 'RATIO n/a')" \
  "${total_cpu[cli-prune]}" "${total_cpu[ctr-images-rm]}"

fresh_store serve
rcargs; "${rc[@]}" serve -H "unix://$tmp/r.sock" >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 1 200); do [ -S "$tmp/r.sock" ] && break; sleep 0.1; done
[ -S "$tmp/r.sock" ] || die "serve did not come up: $(cat "$tmp/serve.err")"
sleep 1
kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$serve_pid/status"; }
cpu() { awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$serve_pid/stat"; }
echo "RESULT serve-idle rss_mib=$(( $(kib VmRSS) / 1024 )) cpu_s=$(cpu)"
export DOCKER_CONFIG="$tmp/dcfg"; mkdir -p "$DOCKER_CONFIG"
docker -H "unix://$tmp/r.sock" image ls -q | wc -l | sed 's/^/  docker image ls: /'
t0=$(date +%s.%N)
docker -H "unix://$tmp/r.sock" image prune -a -f >"$tmp/dprune" 2>&1 || die "docker image prune failed: $(tail -3 "$tmp/dprune")"
t1=$(date +%s.%N)
tail -1 "$tmp/dprune"
echo "RESULT serve-after-prune peak_rss_mib=$(( $(kib VmHWM) / 1024 )) rss_mib=$(( $(kib VmRSS) / 1024 )) cpu_s=$(cpu) prune_wall_s=$(python3 -c "print('%.2f' % ($t1 - $t0))")"
kill -TERM "$serve_pid"; wait "$serve_pid"; serve_pid=""
