#!/usr/bin/env bash
# bench/api: the Docker API of `reclaim serve` on a store of 10k image records.
#
#   bench/api.sh PATH/TO/reclaim PATH/TO/prune_bench [--images N] [--tags T]
#                [--containers M] [--duration S] [--connections C]
#
# 1. Builds the store directly with `prune_bench --setup-only` (LocalStore,
#    sync=false, one lease): N image records (default 10000) over N/T distinct
#    targets (T tags each, default 1; 1% dangling, 10% multi-platform indexes),
#    each with its own config and layer plus one of 100 shared base layers, and
#    M containers (default 100) referring to them in every reference form.
# 2. Starts `reclaim serve` on it (unix socket + loopback TCP).
# 3. `docker images`: wall time, best of 5 after one warm-up (target <= 0.3 s),
#    and the server's own time for GET /images/json from its access log.
# 4. wrk on GET /v1.50/images/json over TCP for --duration seconds (default 10):
#    requests/s and the latency percentiles; the same for GET /_ping as the
#    HTTP floor, and the list's ratio to it. The server's RSS is sampled during
#    the list run (--connections concurrent lists, default 8): its peak, and
#    the process's VmHWM.
# 5. SIGTERM: the server must exit 0.
# Everything lives in a mktemp -d directory that is removed at the end.
# Exits 1 if a step failed; a missed target is printed, not an error.
set -uo pipefail
reclaim=$(realpath "${1:?usage: api.sh RECLAIM PRUNE_BENCH [flags]}")
prune_bench=$(realpath "${2:?usage: api.sh RECLAIM PRUNE_BENCH [flags]}")
shift 2
images=10000 tags=1 containers=100 duration=10 connections=8
while [ $# -gt 0 ]; do
  case $1 in
    --images) images=$2; shift 2 ;;
    --tags) tags=$2; shift 2 ;;
    --containers) containers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "api.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
command -v docker >/dev/null || { echo "api.sh: needs the docker CLI" >&2; exit 2; }
command -v wrk >/dev/null || { echo "api.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/reclaim-api-bench-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "api.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

echo "bench/api: reclaim serve on $images image records ($tags tag(s) per target), $containers containers"
"$prune_bench" --setup-only "$tmp/root" --images "$images" --tags "$tags" \
  --containers "$containers" --tmp "$tmp" | sed 's/^/  /' || die "set-up failed"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$reclaim" --root "$tmp/root" serve -H "unix://$tmp/d.sock" -H "tcp://127.0.0.1:$port" \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 1 300); do
  grep -q "^export DOCKER_HOST=tcp://127.0.0.1:$port\$" "$tmp/serve.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || die "reclaim serve exited: $(cat "$tmp/serve.err")"
  sleep 0.1
done
export DOCKER_HOST="unix://$tmp/d.sock" DOCKER_CONFIG="$tmp/config"
mkdir -p "$DOCKER_CONFIG"

# ---- docker images
rows=$(docker images | wc -l) || die "docker images failed"
rows_all=$(docker images -a -q | wc -l)
best=""
all=""
for i in 1 2 3 4 5; do
  t0=$(now)
  docker images >/dev/null || die "docker images failed"
  t1=$(now)
  s=$(secs "$t0" "$t1")
  all+="$s "
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$s" "$best"; then
    best=$s
  fi
done
# The server's own time for the list, from its access log ("... 200 1234B 56.7ms ...").
server_ms=$(grep '"GET /v1.50/images/json"' "$tmp/serve.err" | tail -5 |
  sed -n 's/.* 200 [0-9]*B \([0-9.]*\)ms .*/\1/p' | sort -n | head -1)
bytes=$(grep '"GET /v1.50/images/json"' "$tmp/serve.err" | tail -1 | sed -n 's/.* 200 \([0-9]*\)B .*/\1/p')
verdict="met"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 0.3 else 1)" "$best" || verdict="MISSED"
ratio=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / 0.3))" "$best")
echo "docker images: $((rows - 1)) rows ($rows_all with -a), best of 5: ${best}s (runs: ${all% }); target 0.3s: $verdict (${ratio}x the target)"
echo "  server time for GET /images/json (best of the last 5): ${server_ms}ms, body ${bytes} B"

# ---- wrk
run_wrk() { # run_wrk PATH: prints "rps p50 p99"
  wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s --latency "http://127.0.0.1:$port$1" >"$tmp/wrk.out" 2>&1 ||
    die "wrk failed: $(cat "$tmp/wrk.out")"
  python3 - "$tmp/wrk.out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
total = re.search(r"(\d+) requests in", text).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
print(f"{float(rps):.1f} {pct(50):.2f} {pct(99):.2f} {total} {errors.group(1) if errors else 0} "
      f"{'socket errors: ' + sock.group(1) if sock else ''}")
EOF
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }
rss_idle=$(rss_kb)
( peak=0
  while kill -0 "$pid" 2>/dev/null && [ ! -e "$tmp/rss.stop" ]; do
    r=$(rss_kb); [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
    echo "$peak" >"$tmp/rss.peak"
    sleep 0.1
  done ) &
sampler=$!
read -r rps p50 p99 total non2xx rest <<<"$(run_wrk /v1.50/images/json)"
touch "$tmp/rss.stop"; wait "$sampler"
rss_peak=$(cat "$tmp/rss.peak" 2>/dev/null || echo 0)
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
list_rps=$rps
echo "wrk GET /v1.50/images/json (${duration}s, 2 threads, $connections connections, TCP): $rps req/s, p50 ${p50}ms, p99 ${p99}ms ($total requests, $non2xx non-2xx) $rest"
echo "  server RSS: $((rss_idle / 1024)) MB before, peak $((rss_peak / 1024)) MB under $connections concurrent lists (VmHWM $((hwm / 1024)) MB)"
read -r rps p50 p99 total non2xx rest <<<"$(run_wrk /_ping)"
echo "wrk GET /_ping (floor):                                   $rps req/s, p50 ${p50}ms, p99 ${p99}ms ($total requests, $non2xx non-2xx) $rest"
python3 -c "import sys; print('  list/ping throughput: %.2e of the floor' % (float(sys.argv[1]) / float(sys.argv[2])))" "$list_rps" "$rps"
[ "$(curl -s --max-time 10 "http://127.0.0.1:$port/_ping")" = OK ] || die "server does not answer after the load"

# ---- stop
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 0 ] || die "reclaim serve exited $rc after SIGTERM"
[ ! -e "$tmp/d.sock" ] || die "socket left behind"
echo "reclaim serve: SIGTERM -> exit 0"
