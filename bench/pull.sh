#!/usr/bin/env bash
# bench/pull (issue "Registry", item 7): one image of LAYERS layers of
# incompressible data (SIZE_MB in all, 1 GiB by default) in a loopback
# registry (Debian's docker-registry on a free 127.0.0.1 port, its own config
# and root, never the packaged service), pulled in the same run by:
#
#   reclaim pull   `reclaim --root FRESH image pull REF` on the embedded store
#                  (fetch, verify, store: no unpack)
#   skopeo copy    `skopeo copy docker://REF oci:FRESH:big` (fetch, verify,
#                  write an OCI layout: no unpack)
#   ctr pull       `ctr images pull --plain-http REF` into a fresh private
#                  containerd: ctr 1.6 always unpacks after the fetch (it has no
#                  --skip-unpack), so its unpack time (ctr prints it) is shown
#   ctr fetch      `ctr content fetch --plain-http REF` into a fresh containerd:
#                  containerd's fetch without the unpack, like for like with
#                  reclaim's embedded pull
#   reclaim ctd    `reclaim --store containerd ... image pull REF` into a fresh
#                  containerd: fetch and unpack, like for like with ctr pull
#                  (CONTAINERD_RUN=0 leaves it out)
#
#   bench/pull.sh [PATH/TO/reclaim]     (default build/release/src/apps/reclaim/reclaim)
#   env: SIZE_MB=1024 (image total)  LAYERS=10  RUNS=3  SNAPSHOTTER=overlayfs
#        CONTAINERD_RUN=1
#   quick run: SIZE_MB=100 RUNS=1 bench/pull.sh
#
# Needs root, docker-registry, skopeo, containerd, ctr, /usr/bin/time.
# Every run starts from an empty destination (a new --root, a new OCI
# directory, a new containerd on an empty root via scripts/containerd.sh); the
# rounds are interleaved (reclaim, skopeo, ctr, ... then again) and each figure
# is the median of RUNS. Wall time is the command's; CPU is the tool's
# user+sys, plus for the containerd runs the private containerd's CPU meanwhile
# (/proc/PID/stat before and after). The registry's CPU is shown apart, it is
# the same server for all. After each run the result is checked (reclaim:
# the printed and inspected digest equal the registry's, fsck clean; skopeo:
# the layout holds every layer; containerd: the image record's digest, and the
# snapshots after an unpack). Prints each median and the ratios against the
# target reclaim <= 0.8x the faster peer: the issue's (skopeo, ctr images pull,
# which unpacks), then like for like without an unpack (skopeo, ctr content
# fetch) and with one (reclaim ctd / ctr pull). Exits 1 if a step or a check fails; a
# missed target is printed, not an error. Every process it starts is stopped
# by its PID; everything lives in a mktemp -d directory removed on exit.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
reclaim=${1:-$repo/build/release/src/apps/reclaim/reclaim}
[ -x "$reclaim" ] || { echo "pull.sh: no reclaim binary at $reclaim (build target reclaim)" >&2; exit 2; }
reclaim=$(realpath "$reclaim")
SIZE_MB=${SIZE_MB:-1024}
LAYERS=${LAYERS:-10}
RUNS=${RUNS:-3}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
CONTAINERD_RUN=${CONTAINERD_RUN:-1}
ns=bench
[ "$(id -u)" = 0 ] || { echo "pull.sh: needs root" >&2; exit 2; }
for c in docker-registry skopeo containerd ctr curl python3 /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "pull.sh: needs $c (scripts/setup.sh installs it)" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/reclaim-pull-bench-XXXXXX)
daemon="" registry_pid=""
cleanup() {
  [ -n "$daemon" ] && "$repo/scripts/containerd.sh" stop "$daemon"
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "pull.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
# CPU seconds (user+sys) process PID has used so far.
pid_cpu() { awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }
fresh() {  # a new containerd on an empty root under $tmp/d-$1: sets daemon, sock, daemon_pid
  daemon="$tmp/d-$1"
  sock=$("$repo/scripts/containerd.sh" start "$daemon") || die "containerd did not start"
  daemon_pid=$(cat "$daemon/containerd.pid")
}
stop() { "$repo/scripts/containerd.sh" stop "$daemon"; rm -rf "$daemon"; daemon=""; }

# The registry: a free port, its own config and root (tests/e2e/lib.sh
# e2e_start_registry), stopped by PID on exit.
mkdir -p "$tmp/registry"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $tmp/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: reclaim-bench-pull
YML
docker-registry serve "$tmp/registry/config.yml" >"$tmp/registry/log" 2>&1 &
registry_pid=$!
reg=127.0.0.1:$port
for _ in $(seq 1 150); do
  curl -sf "http://$reg/v2/" >/dev/null && break
  kill -0 "$registry_pid" 2>/dev/null || break
  sleep 0.1
done
curl -sf "http://$reg/v2/" >/dev/null || die "docker-registry did not come up: $(tail -5 "$tmp/registry/log")"
ref=$reg/bench/big:1

# Own policy (accept anything) and an empty docker config, so that no host
# file changes what skopeo or reclaim do.
echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$tmp/policy.json"
mkdir -p "$tmp/dcfg"
export DOCKER_CONFIG=$tmp/dcfg
skopeo=(skopeo --policy "$tmp/policy.json")

echo "bench/pull: ${SIZE_MB} MiB in $LAYERS layers, RUNS=$RUNS, $(nproc) CPUs, containerd $(containerd --version | awk '{print $3}'), $(skopeo --version), $reclaim"

# The image: mkarchive.py layers are SHA-256 counter output (incompressible);
# skopeo gzips them on the way into the registry, as a build would.
layer_bytes=$(( SIZE_MB * 1048576 / LAYERS ))
t0=$(now)
python3 "$repo/tests/e2e/mkarchive.py" "$tmp/big.tar" \
  "tags=bench/big:1;seed=bench-pull;layers=$LAYERS;size=$layer_bytes" || die "mkarchive failed"
echo "  archive: $(du -h "$tmp/big.tar" | cut -f1), $(secs "$t0" "$(now)") s"
t0=$(now)
"${skopeo[@]}" copy -q --dest-tls-verify=false "docker-archive:$tmp/big.tar" "docker://$ref" \
  >"$tmp/push.log" 2>&1 || die "skopeo push failed: $(tail -3 "$tmp/push.log")"
rm -f "$tmp/big.tar"
digest=$("${skopeo[@]}" inspect --tls-verify=false --format '{{.Digest}}' "docker://$ref") ||
  die "skopeo inspect failed"
"${skopeo[@]}" inspect --tls-verify=false --raw "docker://$ref" >"$tmp/manifest.json" ||
  die "skopeo inspect --raw failed"
read -r image_bytes nlayers < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["config"]["size"] + sum(l["size"] for l in m["layers"]), len(m["layers"]))' "$tmp/manifest.json")
[ "$nlayers" = "$LAYERS" ] || die "the registry's manifest has $nlayers layers, not $LAYERS"
echo "  pushed $ref: $digest, $image_bytes bytes (gzip) in $(secs "$t0" "$(now)") s"

# timed LABEL CMD...: runs CMD under /usr/bin/time (stdout $tmp/out), appends
# "LABEL wall user sys daemon_cpu registry_cpu" to $tmp/results.
timed() {
  local label=$1; shift
  local d0=0 d1=0 r0 r1
  sync
  [ -n "$daemon" ] && d0=$(pid_cpu "$daemon_pid")
  r0=$(pid_cpu "$registry_pid")
  /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" ||
    die "$label failed: $(tail -3 "$tmp/err")"
  if [ -n "$daemon" ]; then sleep 1; d1=$(pid_cpu "$daemon_pid"); fi  # the daemon's work after the reply
  r1=$(pid_cpu "$registry_pid")
  echo "$label $(tail -1 "$tmp/time") $(python3 -c "import sys; print('%.2f %.2f' % (float(sys.argv[2]) - float(sys.argv[1]), float(sys.argv[4]) - float(sys.argv[3])))" "$d0" "$d1" "$r0" "$r1")" \
    | tee -a "$tmp/results" | awk '{printf "    %-12s wall %s s  cpu %.2f s  containerd %s s  registry %s s\n", $1, $2, $3 + $4, $5, $6}'
}

check_ctr_image() {  # check_ctr_image WHAT: the record of $ref has the registry's digest
  local got
  got=$(ctr -a "$sock" -n "$ns" images ls | awk -v r="$ref" '$1 == r {print $3}')
  [ "$got" = "$digest" ] || die "$1: containerd's image $ref has digest '${got:-none}', the registry $digest"
}
check_snapshots() {  # check_snapshots WHAT: one committed snapshot per layer
  local n
  n=$(ctr -a "$sock" -n "$ns" snapshots --snapshotter "$SNAPSHOTTER" ls | awk '$NF == "Committed"' | wc -l)
  [ "$n" = "$LAYERS" ] || die "$1: $n committed $SNAPSHOTTER snapshots, expected $LAYERS"
}

run_reclaim() {
  local root=$tmp/reclaim-root
  rm -rf "$root"
  timed reclaim "$reclaim" --root "$root" image pull "$ref"
  grep -qx "Digest: $digest" "$tmp/out" || die "reclaim pull printed no 'Digest: $digest': $(cat "$tmp/out")"
  "$reclaim" --root "$root" image inspect "$ref" >"$tmp/inspect.json" 2>"$tmp/err" ||
    die "reclaim image inspect failed: $(tail -3 "$tmp/err")"
  python3 - "$tmp/inspect.json" "$ref" "$reg/bench/big@$digest" <<'PY' || die "reclaim image inspect: $(cat "$tmp/inspect.json" | head -c 600)"
import json, sys
i = json.load(open(sys.argv[1]))[0]
assert sys.argv[2] in i["RepoTags"], i["RepoTags"]
assert sys.argv[3] in i["RepoDigests"], i["RepoDigests"]
PY
  "$reclaim" --root "$root" fsck >"$tmp/fsck" 2>&1 || die "reclaim fsck after the pull: $(tail -5 "$tmp/fsck")"
  rm -rf "$root"
}
run_skopeo() {
  local dir=$tmp/oci
  rm -rf "$dir"
  timed skopeo "${skopeo[@]}" copy -q --src-tls-verify=false "docker://$ref" "oci:$dir:big"
  python3 - "$dir" "$LAYERS" <<'PY' || die "skopeo's OCI layout is incomplete"
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
def blob(desc):
    p = os.path.join(d, "blobs", *desc["digest"].split(":"))
    assert os.path.getsize(p) == desc["size"], p
    return p
idx = json.load(open(os.path.join(d, "index.json")))
m = json.load(open(blob(idx["manifests"][0])))
assert len(m["layers"]) == n, len(m["layers"])
for desc in [m["config"]] + m["layers"]:
    blob(desc)
PY
  rm -rf "$dir"
}
run_ctr_pull() {
  fresh ctr-pull
  timed ctr-pull ctr -a "$sock" -n "$ns" images pull --plain-http --snapshotter "$SNAPSHOTTER" "$ref"
  # ctr prints "done: <Go duration>" after its unpack.
  python3 - "$tmp/out" >>"$tmp/unpack" <<'PY' || die "ctr pull printed no unpack time"
import re, sys
m = re.findall(r"done: ([0-9.hmµus]+)", open(sys.argv[1], errors="replace").read())
scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}
print("%.2f" % sum(float(v) * scale[u] for v, u in re.findall(r"([0-9.]+)(ms|us|µs|h|m|s)", m[-1])))
PY
  check_ctr_image "ctr pull"
  check_snapshots "ctr pull"
  stop
}
run_ctr_fetch() {
  fresh ctr-fetch
  timed ctr-fetch ctr -a "$sock" -n "$ns" content fetch --plain-http "$ref"
  check_ctr_image "ctr content fetch"
  local have
  have=$(ctr -a "$sock" -n "$ns" content ls -q | sort)
  for d in $(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(" ".join([m["config"]["digest"]] + [l["digest"] for l in m["layers"]]))' "$tmp/manifest.json"); do
    grep -qx "$d" <<<"$have" || die "ctr content fetch: $d is not in the content store"
  done
  stop
}
run_reclaim_ctd() {
  fresh reclaim-ctd
  timed reclaim-ctd "$reclaim" --store containerd --containerd-address "$sock" --namespace "$ns" \
    --snapshotter "$SNAPSHOTTER" image pull "$ref"
  grep -qx "Digest: $digest" "$tmp/out" || die "reclaim pull (containerd) printed no 'Digest: $digest': $(cat "$tmp/out")"
  check_ctr_image "reclaim pull (containerd)"
  check_snapshots "reclaim pull (containerd)"
  stop
}

: >"$tmp/results"
: >"$tmp/unpack"
for i in $(seq 1 "$RUNS"); do
  echo "  round $i/$RUNS"
  run_reclaim
  run_skopeo
  run_ctr_pull
  run_ctr_fetch
  [ "$CONTAINERD_RUN" = 1 ] && run_reclaim_ctd
done

python3 - "$tmp/results" "$tmp/unpack" "$image_bytes" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, wall, user, sys_, daemon, registry = line.split()
    rows.setdefault(label, []).append((float(wall), float(user) + float(sys_) + float(daemon),
                                       float(user) + float(sys_), float(daemon), float(registry)))
unpack = [float(x) for x in open(sys.argv[2]).read().split()]
gib = int(sys.argv[3]) / 2**30
def num(x): return f"{x:.2f}" if x < 10 else f"{x:.1f}"
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in rows.items()}
names = {"reclaim": "reclaim pull", "skopeo": "skopeo copy", "ctr-pull": "ctr pull",
         "ctr-fetch": "ctr fetch", "reclaim-ctd": "reclaim ctd"}
notes = {"reclaim": "embedded store, no unpack", "skopeo": "OCI layout, no unpack",
         "ctr-pull": "", "ctr-fetch": "ctr content fetch, no unpack",
         "reclaim-ctd": "into containerd, with unpack"}
if unpack:
    notes["ctr-pull"] = f"with unpack, of which unpack {num(statistics.median(unpack))} s"
print(f"medians of {len(rows['reclaim'])} run(s), {gib:.2f} GiB fetched per pull:")
for k in ["reclaim", "skopeo", "ctr-pull", "ctr-fetch", "reclaim-ctd"]:
    if k not in med:
        continue
    wall, cpu, tool, daemon, registry = med[k]
    split = f" = tool {num(tool)} + containerd {num(daemon)}" if k in ("ctr-pull", "ctr-fetch", "reclaim-ctd") else ""
    print(f"  {names[k]:<14} wall {num(wall)} s  cpu {num(cpu)} s ({cpu / gib:.1f} s/GiB){split}"
          f"  [registry {num(registry)} s]  ({notes[k]})")
w = {k: v[0] for k, v in med.items()}
def verdict(r): return "met" if r <= 0.8 else "MISSED"
r_s, r_c = w["reclaim"] / w["skopeo"], w["reclaim"] / w["ctr-pull"]
best = min(w["skopeo"], w["ctr-pull"])
print(f"ratio reclaim/skopeo = {r_s:.2f}  reclaim/ctr = {r_c:.2f}  "
      f"reclaim/faster peer = {w['reclaim'] / best:.2f} (target <= 0.8): {verdict(w['reclaim'] / best)}")
print(f"  (ctr = ctr images pull, which also unpacks; reclaim's embedded pull does not)")
best = min(w["skopeo"], w["ctr-fetch"])
print(f"like for like, no unpack: reclaim/ctr fetch = {w['reclaim'] / w['ctr-fetch']:.2f}  "
      f"reclaim/faster of skopeo, ctr fetch = {w['reclaim'] / best:.2f} (target <= 0.8): "
      f"{verdict(w['reclaim'] / best)}")
if "reclaim-ctd" in w:
    r = w["reclaim-ctd"] / w["ctr-pull"]
    print(f"like for like, with unpack into containerd: reclaim ctd/ctr pull = {r:.2f} "
          f"(target <= 0.8): {verdict(r)}")
PY
[ $? = 0 ] || die "summary failed"
