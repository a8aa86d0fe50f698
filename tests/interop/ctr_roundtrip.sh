#!/usr/bin/env bash
# Interop with the real containerd (Debian's): an archive saved by reclaim imports
# with `ctr images import` (and unpacks, which checks the diff IDs), and an archive
# exported by `ctr images export` loads into reclaim with identical digests.
#   tests/interop/ctr_roundtrip.sh PATH/TO/reclaim
set -euo pipefail
reclaim=$(realpath "${1:?usage: ctr_roundtrip.sh PATH/TO/reclaim}")
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/reclaim-ctr-XXXXXX)
cleanup() { "$here/scripts/containerd.sh" stop "$work/ctd" || true; rm -rf "$work"; }
trap cleanup EXIT
sock=$("$here/scripts/containerd.sh" start "$work/ctd")
ctr() { command ctr -a "$sock" -n reclaim-test "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# A field of the first object of `reclaim image inspect`'s JSON array.
inspect_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"; }

# A small root filesystem, imported as an image.
mkdir -p "$work/rootfs/etc" "$work/rootfs/bin"
echo "hello from reclaim" > "$work/rootfs/etc/motd"
printf '#!/bin/sh\necho hi\n' > "$work/rootfs/bin/hi"; chmod +x "$work/rootfs/bin/hi"
tar -C "$work/rootfs" -czf "$work/rootfs.tar.gz" .
"$reclaim" --root "$work/r1" image import "$work/rootfs.tar.gz" interop/demo:1 >/dev/null
id=$("$reclaim" --root "$work/r1" image inspect interop/demo:1 | inspect_field Id)
[[ "$id" == sha256:* ]] || fail "no image ID from reclaim: $id"

# reclaim -> containerd
"$reclaim" --root "$work/r1" image save -o "$work/from-reclaim.tar" interop/demo:1
ctr images import --snapshotter native "$work/from-reclaim.tar" >/dev/null
line=$(ctr images ls | awk '$1 == "docker.io/interop/demo:1"')
[ -n "$line" ] || fail "ctr does not list docker.io/interop/demo:1: $(ctr images ls)"
ctr_digest=$(echo "$line" | awk '{print $3}')
[ "$ctr_digest" = "$id" ] || fail "digest differs: reclaim $id, containerd $ctr_digest"
# (Captured first: `ctr … | grep -q` can kill ctr with SIGPIPE, which pipefail reports.)
snaps=$(ctr snapshots --snapshotter native ls)
[ "$(wc -l <<<"$snaps")" -gt 1 ] || fail "ctr did not unpack the image: $snaps"
echo "ok: ctr images import of reclaim's archive: $ctr_digest"

# containerd -> reclaim
ctr images tag docker.io/interop/demo:1 docker.io/interop/copy:2 >/dev/null
ctr images export "$work/from-ctr.tar" docker.io/interop/copy:2
"$reclaim" --root "$work/r2" image load -i "$work/from-ctr.tar"
got=$("$reclaim" --root "$work/r2" image inspect interop/copy:2 | inspect_field Id)
[ "$got" = "$id" ] || fail "reclaim loaded $got from ctr's export, expected $id"
"$reclaim" --root "$work/r2" fsck >/dev/null || fail "fsck after loading ctr's export"
echo "ok: reclaim loaded ctr's export with identical digest $got"
echo "2 passed, 0 failed"
