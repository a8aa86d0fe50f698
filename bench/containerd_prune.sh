#!/usr/bin/env bash
# bench/containerd-prune (issue 6 item 6): deleting N unused, unpacked images from a
# containerd namespace, three (four) ways, each on a fresh daemon:
#
#   reclaim  reclaim's prune -a (PruneService over ContainerdStore)
#   moby     moby's algorithm: delete + one synchronous GC per image (same client)
#   floor    one bulk delete + one synchronous GC, nothing else
#   batch    ContainerdStore::DeleteImagesAndCollect (the floor + the store's
#            before/after listings; what the prune's delete step costs)
#
#   bench/containerd_prune.sh [PATH/TO/containerd_prune_bench]
#   env: N=1000 (images)  MODES="reclaim floor batch moby"  SNAPSHOTTER=overlayfs
#        MOBY_GC=lease|collect  PARALLELISM=8
#
# The binary defaults to build/release/bench/containerd_prune_bench. Nothing is
# built here. Needs root, containerd and ctr. The archive (tests/e2e/mkarchive.py
# --bulk N: N distinct single-layer images) is written once; for EACH mode a new
# private containerd (scripts/containerd.sh) is started on an empty root and the
# archive is imported with unpack into namespace `bench`, so every run starts
# from the same store: N images, 3N blobs, N snapshots, a fresh metadata DB,
# nothing else (containerd's GC spans all namespaces, so a shared daemon would
# let one run's leftovers and bolt free-list change the next run's GC cost).
# Each daemon is stopped by its PID after its run; everything lives in a
# mktemp -d directory removed on exit.
#
# Prints each mode's wall time, ratio_vs_moby = moby/reclaim (target >= 20) and
# ratio_vs_floor = reclaim/floor (target <= 1.3) and whether each is met; also
# reclaim/batch. Exits 1 if a step or a driver's check failed; a missed target is
# printed, not an error.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bench=${1:-$repo/build/release/bench/containerd_prune_bench}
[ -x "$bench" ] || { echo "containerd_prune.sh: no bench binary at $bench (build target containerd_prune_bench)" >&2; exit 2; }
bench=$(realpath "$bench")
N=${N:-1000}
MODES=${MODES:-reclaim floor batch moby}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
MOBY_GC=${MOBY_GC:-lease}
PARALLELISM=${PARALLELISM:-8}  # reclaim's default on containerd (InventoryParallelism)
ns=bench
[ "$(id -u)" = 0 ] || { echo "containerd_prune.sh: needs root" >&2; exit 2; }
command -v containerd >/dev/null && command -v ctr >/dev/null ||
  { echo "containerd_prune.sh: needs containerd and ctr" >&2; exit 2; }

tmp=$(mktemp -d /tmp/reclaim-ctd-prune-XXXXXX)
daemon=""
cleanup() {
  [ -n "$daemon" ] && "$repo/scripts/containerd.sh" stop "$daemon"
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "containerd_prune.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

echo "bench/containerd-prune: $N unused unpacked images ($SNAPSHOTTER), containerd $(containerd --version | awk '{print $3}'), $(nproc) CPUs"
t0=$(now)
python3 "$repo/tests/e2e/mkarchive.py" "$tmp/images.tar" --bulk "$N" --prefix bench/img || die "mkarchive failed"
echo "  archive: $(du -h "$tmp/images.tar" | cut -f1), $(secs "$t0" "$(now)") s"

declare -A wall
for mode in $MODES; do
  daemon="$tmp/d-$mode"
  sock=$("$repo/scripts/containerd.sh" start "$daemon") || die "containerd did not start"
  t0=$(now)
  if ! ctr -a "$sock" -n "$ns" images import --snapshotter "$SNAPSHOTTER" "$tmp/images.tar" \
      >"$tmp/import.log" 2>&1; then
    if [ "$SNAPSHOTTER" = overlayfs ]; then
      echo "  import with overlayfs failed ($(tail -1 "$tmp/import.log")); using native from here on"
      SNAPSHOTTER=native
      "$repo/scripts/containerd.sh" stop "$daemon"; rm -rf "$daemon"
      sock=$("$repo/scripts/containerd.sh" start "$daemon") || die "containerd did not start"
      t0=$(now)
      ctr -a "$sock" -n "$ns" images import --snapshotter native "$tmp/images.tar" \
        >"$tmp/import.log" 2>&1 || die "import failed: $(tail -3 "$tmp/import.log")"
    else
      die "import failed: $(tail -3 "$tmp/import.log")"
    fi
  fi
  count=$(ctr -a "$sock" -n "$ns" images ls -q | wc -l)
  echo "[$mode] fresh containerd, imported $count images in $(secs "$t0" "$(now)") s"
  [ "$count" = "$N" ] || die "expected $N images after the import, found $count"
  "$bench" --mode "$mode" --socket "$sock" --namespace "$ns" --snapshotter "$SNAPSHOTTER" \
    --expect "$N" --parallelism "$PARALLELISM" --moby-gc "$MOBY_GC" >"$tmp/out" 2>&1
  rc=$?
  cat "$tmp/out"
  [ "$rc" = 0 ] || die "$mode run failed (exit $rc)"
  wall[$mode]=$(sed -n 's/^RESULT .* wall_s=\([0-9.]*\) .*/\1/p' "$tmp/out")
  [ -n "${wall[$mode]}" ] || die "$mode printed no RESULT line"
  "$repo/scripts/containerd.sh" stop "$daemon"
  rm -rf "$daemon"
  daemon=""
done

echo "summary (N=$N, $SNAPSHOTTER):"
for mode in $MODES; do printf "  %-8s %8.3f s\n" "$mode" "${wall[$mode]}"; done
python3 - "${wall[reclaim]:-}" "${wall[moby]:-}" "${wall[floor]:-}" "${wall[batch]:-}" <<'PY'
import sys
r, m, f, b = (float(x) if x else None for x in sys.argv[1:])
def verdict(ok): return "met" if ok else "MISSED"
if r and m:
    print(f"  ratio_vs_moby = moby/reclaim = {m / r:.1f}x (target >= 20x): {verdict(m / r >= 20)}")
if r and f:
    print(f"  ratio_vs_floor = reclaim/floor = {r / f:.2f}x (target <= 1.3x): {verdict(r / f <= 1.3)}")
if r and b:
    print(f"  reclaim/batch (floor incl. the store's before/after listings) = {r / b:.2f}x")
if b and f:
    print(f"  batch/floor = {b / f:.2f}x")
PY
