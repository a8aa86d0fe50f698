#!/usr/bin/env bash
# bench/unpack (issue "Scale" item 2, the unpack part): N generated images
# unpacked into a fresh containerd's snapshotter, two ways, each on a new
# private daemon (scripts/containerd.sh) with an empty root:
#
#   ctr      `ctr images import` of the archive: containerd's import + its own
#            unpack (client Image.Unpack, one image after the other); timed whole.
#            Also `ctr images import --no-unpack` on a third daemon, so that
#            ctr's unpack share (import - no-unpack) can be shown.
#   reclaim  `ctr images import --no-unpack` (untimed), then unpack_bench:
#            ContainerdStore::UnpackAll of every image (timed).
#
#   bench/unpack.sh [PATH/TO/unpack_bench]
#   env: N=1000 (images)  LAYERS=1 (per image: mkarchive.py layers=)  PARALLELISM=8
#        SNAPSHOTTER=overlayfs
#
# The archive (tests/e2e/mkarchive.py: N distinct images) is written once.
# Prints each wall time, ratio = reclaim unpack / ctr import (the milestone
# target for a load with unpack is <= 0.5; the load itself is not in this
# number) and reclaim unpack / ctr's unpack share. Exits 1 if a step or a
# check failed; a missed target is printed, not an error. Each daemon is stopped
# by its PID; everything lives in a mktemp -d directory removed on exit.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bench=${1:-$repo/build/release/bench/unpack_bench}
[ -x "$bench" ] || { echo "unpack.sh: no bench binary at $bench (build target unpack_bench)" >&2; exit 2; }
bench=$(realpath "$bench")
N=${N:-1000}
LAYERS=${LAYERS:-1}
PARALLELISM=${PARALLELISM:-8}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
ns=bench
[ "$(id -u)" = 0 ] || { echo "unpack.sh: needs root" >&2; exit 2; }
command -v containerd >/dev/null && command -v ctr >/dev/null ||
  { echo "unpack.sh: needs containerd and ctr" >&2; exit 2; }

tmp=$(mktemp -d /tmp/reclaim-unpack-bench-XXXXXX)
daemon=""
cleanup() {
  [ -n "$daemon" ] && "$repo/scripts/containerd.sh" stop "$daemon"
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "unpack.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
fresh() {  # starts a new daemon under $tmp/d-$1, sets $daemon and $sock
  daemon="$tmp/d-$1"
  sock=$("$repo/scripts/containerd.sh" start "$daemon") || die "containerd did not start"
}
stop() { "$repo/scripts/containerd.sh" stop "$daemon"; rm -rf "$daemon"; daemon=""; }

echo "bench/unpack: $N images x $LAYERS layers ($SNAPSHOTTER), containerd $(containerd --version | awk '{print $3}'), $(nproc) CPUs"
t0=$(now)
python3 - "$repo/tests/e2e/mkarchive.py" "$tmp/images.tar" "$N" "$LAYERS" <<'PY' || die "mkarchive failed"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("mkarchive", sys.argv[1])
mk = importlib.util.module_from_spec(spec); spec.loader.exec_module(mk)
out, n, layers = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
mk.main(["mkarchive.py", out] + [f"tags=bench/img:{i};seed=s{i};layers={layers};size=200"
                                 for i in range(n)])
PY
echo "  archive: $(du -h "$tmp/images.tar" | cut -f1), $(secs "$t0" "$(now)") s"

import_into() {  # import_into FLAGS...: into $sock, prints the wall seconds
  local t=$(now)
  ctr -a "$sock" -n "$ns" images import --snapshotter "$SNAPSHOTTER" "$@" "$tmp/images.tar" \
    >"$tmp/import.log" 2>&1 || die "ctr images import $* failed: $(tail -3 "$tmp/import.log")"
  secs "$t" "$(now)"
}

fresh ctr
ctr_s=$(import_into)
snaps=$(ctr -a "$sock" -n "$ns" snapshots --snapshotter "$SNAPSHOTTER" ls | tail -n +2 | wc -l)
echo "[ctr] import with unpack: $ctr_s s, $snaps snapshots"
stop

fresh noun
noun_s=$(import_into --no-unpack)
echo "[ctr] import --no-unpack: $noun_s s"
stop

fresh reclaim
pre_s=$(import_into --no-unpack)
echo "[reclaim] import --no-unpack (untimed): $pre_s s"
"$bench" --socket "$sock" --namespace "$ns" --snapshotter "$SNAPSHOTTER" --expect "$N" \
  --parallelism "$PARALLELISM" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ "$rc" = 0 ] || die "unpack_bench failed (exit $rc)"
rec_s=$(sed -n 's/^RESULT .* wall_s=\([0-9.]*\) .*/\1/p' "$tmp/out")
[ -n "$rec_s" ] || die "unpack_bench printed no RESULT line"
stop

python3 - "$ctr_s" "$noun_s" "$rec_s" "$N" <<'PY'
import sys
ctr, noun, rec, n = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
share = ctr - noun
print(f"summary (N={n}): ctr import {ctr:.3f} s (of which unpack ~{share:.3f} s), "
      f"reclaim unpack {rec:.3f} s ({n / rec:.0f} img/s)")
print(f"  ratio = reclaim unpack / ctr import = {rec / ctr:.2f}x "
      f"(budget for load+unpack <= 0.5x: {'within' if rec / ctr <= 0.5 else 'OVER'})")
if share > 0:
    print(f"  reclaim unpack / ctr's unpack share = {rec / share:.2f}x")
PY
