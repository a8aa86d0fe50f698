#!/usr/bin/env bash
# reclaim's prune on a real containerd (Debian's), on images and containers that
# containerd's own client made: `ctr images import` (unpacked into snapshots) and
# `ctr containers create`. Checks Docker's semantics (a container's image name
# protects the image), that the dry run equals the real report including the
# snapshot bytes, the release of the snapshot label of a config something else
# holds (specs/prune.md §5.5), and that a prune while `ctr` imports into the
# same namespace loses nothing that was imported.
#   tests/interop/ctr_prune.sh PATH/TO/reclaim
set -euo pipefail
reclaim=$(realpath "${1:?usage: ctr_prune.sh PATH/TO/reclaim}")
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/reclaim-ctrprune-XXXXXX)
import_pid=
cleanup() {
  if [ -n "$import_pid" ]; then kill "$import_pid" 2>/dev/null || true; wait "$import_pid" 2>/dev/null || true; fi
  "$here/scripts/containerd.sh" stop "$work/ctd" || true
  rm -rf "$work"
}
trap cleanup EXIT
sock=$("$here/scripts/containerd.sh" start "$work/ctd")
ns=prune-test
snapshotter=${RECLAIM_TEST_SNAPSHOTTER:-overlayfs}
ctr() { command ctr -a "$sock" -n "$ns" "$@"; }
rc() { "$reclaim" --store containerd --containerd-address "$sock" --namespace "$ns" --snapshotter "$snapshotter" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
mkarchive() { python3 "$here/tests/e2e/mkarchive.py" "$@" >/dev/null; }
# Python over a JSON file: json_py FILE EXPR (EXPR sees `j`).
json_py() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# The snapshot key a config's label points at (empty when the label is gone).
snapshot_label() {
  ctr content ls | awk -v d="$1" '$1 == d' | tr ',\t' '\n\n' |
    sed -n "s/^containerd.io\/gc.ref.snapshot.$snapshotter=//p"
}
config_of() { ctr content get "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])'; }
manifest_of() { ctr images ls | awk -v r="$1" '$1 == r {print $3}'; }
# Bytes of a snapshot, as containerd reports its usage (ctr prints e.g. "12.0 KiB").
snapshot_bytes() {
  ctr snapshots --snapshotter "$snapshotter" usage "$1" | awk 'NR == 2 {print $2, $3}' |
    python3 -c '
import sys
v, unit = sys.stdin.read().split()
print(round(float(v) * {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}[unit]))'
}

# ---- 1. images and a container made by ctr
# a: alone; b and c (two tags) share the base layer 9; the container uses b by name.
mkarchive "$work/set.tar" 'tags=app/a:1;seed=1;size=5000' 'tags=app/b:1;seed=2;size=6000;base=9' \
  'tags=app/c:1,app/c:2;seed=3;base=9'
ctr images import --snapshotter "$snapshotter" "$work/set.tar" >/dev/null
ctr containers create --snapshotter "$snapshotter" docker.io/app/b:1 cb >/dev/null
ma=$(manifest_of docker.io/app/a:1); mc=$(manifest_of docker.io/app/c:1)
ca=$(config_of "$ma"); cc=$(config_of "$mc")
snap_a=$(snapshot_label "$ca"); snap_c=$(snapshot_label "$cc")
[ -n "$snap_a" ] && [ -n "$snap_c" ] || fail "ctr did not unpack (no snapshot label on the configs)"

rc image ls --format json >/dev/null || fail "reclaim cannot list the ctr-made images"
rc container ls -a > "$work/ps.txt"
grep -q '^cb  *app/b:1 ' "$work/ps.txt" || fail "ctr's container not listed with its image: $(cat "$work/ps.txt")"
rc image prune -a --explain > "$work/explain.txt"
grep -q '^keep   app/b:1   used by container cb (by name docker.io/app/b:1)$' "$work/explain.txt" ||
  fail "the container's image name does not protect it: $(cat "$work/explain.txt")"
for n in app/a:1 app/c:1 app/c:2; do
  grep -q "^prune  $n " "$work/explain.txt" || fail "$n not planned: $(cat "$work/explain.txt")"
done
pass "ctr-made images and containers are seen; a container's image name protects it"

# ---- 2. dry run == real prune, snapshot bytes included; §5.5 label release
# a's config is also held by something other than an image (as a BuildKit history
# record holds it): it stays, but its snapshot must go with the prune.
ctr content label "$ca" containerd.io/gc.root=history "containerd.io/gc.ref.snapshot.$snapshotter=$snap_a" >/dev/null
bytes_a=$(snapshot_bytes "$snap_a"); bytes_c=$(snapshot_bytes "$snap_c")
rc --format json image prune -a --dry-run > "$work/dry.json"
ctr images ls -q | sort > "$work/before.txt"
[ "$(wc -l < "$work/before.txt")" = 4 ] || fail "the dry run changed the images"
# The bytes of the blobs the dry run says go, read from containerd before they do.
blob_bytes=0
for d in $(json_py "$work/dry.json" '" ".join(i["Deleted"] for i in j["ImagesDeleted"] if "Deleted" in i)'); do
  blob_bytes=$((blob_bytes + $(ctr content get "$d" | wc -c)))
done
rc --format json image prune -a -f > "$work/real.json"
cmp -s "$work/dry.json" "$work/real.json" ||
  fail "dry run and real prune differ: $(cat "$work/dry.json") vs $(cat "$work/real.json")"
[ "$(json_py "$work/real.json" 'j["SnapshotLabelsReleased"]')" = "['$ca']" ] ||
  fail "a's config label not reported released: $(cat "$work/real.json")"
space=$(json_py "$work/real.json" 'j["SpaceReclaimed"]')
[ "$space" = $((blob_bytes + bytes_a + bytes_c)) ] ||
  fail "SpaceReclaimed $space != blobs $blob_bytes + snapshots $bytes_a + $bytes_c"
ctr snapshots --snapshotter "$snapshotter" ls | awk 'NR > 1 {print $1}' > "$work/snaps.txt"
grep -qx "$snap_a" "$work/snaps.txt" && fail "a's snapshot survived the release"
grep -qx "$snap_c" "$work/snaps.txt" && fail "c's snapshot survived"
grep -qx cb "$work/snaps.txt" || fail "the container's snapshot is gone"
ctr content ls | awk '{print $1}' > "$work/blobs.txt"
grep -qx "$ca" "$work/blobs.txt" || fail "the held config is gone"
[ -z "$(snapshot_label "$ca")" ] || fail "the held config still carries its snapshot label"
[ "$(ctr images ls -q)" = docker.io/app/b:1 ] || fail "images left: $(ctr images ls -q)"
pass "dry run equals the real prune ($space bytes, snapshots included); the held config's snapshot label was released"

# ---- 3. once the container goes, b goes too, and every snapshot but none
ctr containers rm cb >/dev/null
rc --format json image prune -a -f > "$work/last.json"
[ "$(json_py "$work/last.json" '[i["Untagged"] for i in j["ImagesDeleted"] if "Untagged" in i]')" = "['app/b:1']" ] ||
  fail "b not pruned after its container went: $(cat "$work/last.json")"
[ -z "$(ctr images ls -q)" ] || fail "images left: $(ctr images ls -q)"
left=$(ctr snapshots --snapshotter "$snapshotter" ls | awk 'NR > 1' | wc -l)
[ "$left" = 0 ] || fail "$left snapshots left"
pass "the image of a removed container is pruned with all its snapshots"

# ---- 4. a prune while ctr imports into the same namespace
# Old unused images exist; a bulk import runs; prunes of images older than the
# import (until=) run during it, deleting and collecting. The import must
# succeed, and every image it made must be complete and unpacked afterwards.
mkarchive "$work/old.tar" --bulk 20 --prefix old/img
ctr images import --snapshotter "$snapshotter" "$work/old.tar" >/dev/null
sleep 1.1
cutoff=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 1.1
n=${RECLAIM_TEST_IMPORT_IMAGES:-150}
mkarchive "$work/bulk.tar" --bulk "$n" --prefix new/img
ctr images import --snapshotter "$snapshotter" "$work/bulk.tar" > "$work/import.out" 2>&1 &
import_pid=$!
prunes=0
while kill -0 "$import_pid" 2>/dev/null; do
  rc --format json image prune -a -f --filter "until=$cutoff" >> "$work/during.json" ||
    fail "a prune during the import failed"
  prunes=$((prunes + 1))
done
wait "$import_pid" || fail "ctr images import failed while prunes ran: $(tail -5 "$work/import.out")"
import_pid=
[ "$prunes" -ge 2 ] || fail "only $prunes prune(s) ran during the import; the test proves nothing"
ctr images ls -q | grep -c '^docker.io/old/' >/dev/null && fail "old images survived: $(ctr images ls -q | grep old/ | head -3)"
[ "$(ctr images ls -q | grep -c '^docker.io/new/img:')" = "$n" ] ||
  fail "imported images lost: $(ctr images ls -q | grep -c new/img) of $n present"
ctr images check > "$work/check.txt"
incomplete=$(awk 'NR > 1 && $4 != "complete"' "$work/check.txt" | wc -l)
[ "$incomplete" = 0 ] || fail "$incomplete images are not complete after the prunes: $(awk 'NR > 1 && $4 != "complete"' "$work/check.txt" | head -3)"
rc --format json image prune -a --dry-run > "$work/after.json"
[ "$(json_py "$work/after.json" 'sum(1 for i in j["ImagesDeleted"] or [] if "Untagged" in i)')" = "$n" ] ||
  fail "the imported images are not all prunable as whole images afterwards"
pass "$prunes prunes during an import of $n images: nothing imported was lost, all complete"
