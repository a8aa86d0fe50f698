#!/usr/bin/env bash
# End to end over a real containerd: the docker CLI (28.x) against `reclaim
# serve --store containerd`, on a private containerd (scripts/containerd.sh),
# with images and containers made both through reclaim and by containerd's own
# `ctr` in the same namespace. What the embedded-store suite (docker_cli_test.sh)
# checks in depth is checked here for the things the store changes: listing,
# loading, saving, containers, every prune mode, sizes with unpacked snapshots,
# the dry run against the real prune, and system df / system prune.
#
#   tests/e2e/docker_cli_containerd_test.sh PATH/TO/reclaim
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_cases.sh"
source "$(dirname "$0")/push_cases.sh"
source "$(dirname "$0")/events_cases.sh"
source "$(dirname "$0")/metrics_cases.sh"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
  { echo "FATAL: no prometheus/promtool (scripts/setup.sh installs Debian's prometheus)" >&2; exit 1; }
command -v docker >/dev/null || { echo "FATAL: no docker CLI on the PATH" >&2; exit 1; }
command -v ctr >/dev/null || { echo "FATAL: no ctr (scripts/setup.sh installs containerd)" >&2; exit 1; }
e2e_init "${1:-}"
T=$E2E_TMP
REPO=$(cd "$E2E_HERE/../.." && pwd)
CTD_DIR="$T/ctd"
CTD_SOCK=$("$REPO/scripts/containerd.sh" start "$CTD_DIR") || exit 1
# lib.sh's EXIT trap stops the servers and removes $T; stop containerd first.
trap '"$REPO/scripts/containerd.sh" stop "$CTD_DIR"; e2e_cleanup' EXIT
NS=e2e
ctrn() { command ctr -a "$CTD_SOCK" -n "$NS" "$@"; }

e2e_start_server ctd --store containerd --containerd-address "$CTD_SOCK" --namespace "$NS" --metrics-addr 127.0.0.1:0 \
  --log-format json
use_server ctd

IMG_BB="tags=busybox:latest;seed=bb;label=app=web"
IMG_OLD="tags=old:1;seed=old;created=2015-01-01T00:00:00Z;label=app=db"
IMG_DANG="seed=dang"
mkarchive --meta "$T/set.json" "$T/set.tar" "$IMG_BB" "$IMG_OLD" "$IMG_DANG"
mkarchive "$T/ctr.tar" 'tags=ctrimg/app:1;seed=ctr;size=20000' 'tags=ctrimg/unused:1;seed=cu;size=30000'
id_of() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null; }
repo_tags() { docker images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '; }
untagged_lines() { printf '%s\n' "$OUT" | sed -n 's/^untagged: //p' | sort | tr '\n' ' '; }
# POST /images/prune?dryrun=1 (reclaim's extension): the plan's JSON.
dry_run() { # dry_run FILTERS-JSON
  curl -sS --unix-socket "$E2E_SOCK" -X POST -G "http://docker/v1.50/images/prune" \
    --data-urlencode dryrun=1 --data-urlencode "filters=$1"
}

# ------------------------------------------------------------------ the daemon
t "docker info names containerd and its snapshotter"
dk info --format '{{.Driver}}|{{.DockerRootDir}}|{{.Images}}'
expect_rc 0
expect_out "overlayfs|containerd $CTD_SOCK (ns $NS)|0"

# ------------------------------------------------------------------ load, list, save
t "docker load into containerd; ctr sees the images"
run_in "$T/set.tar" docker load
expect_rc 0
expect_out_has "Loaded image: busybox:latest"
expect_out_has "Loaded image: old:1"
run ctrn images ls -q
expect_out_has "docker.io/library/busybox:latest"
expect_out_has "docker.io/library/old:1"

t "docker load unpacks into the snapshotter, as Docker on containerd does"
# ctr images check: REF TYPE DIGEST STATUS SIZE UNPACKED, per image.
run ctrn images check
for ref in docker.io/library/busybox:latest docker.io/library/old:1; do
  line=$(printf '%s\n' "$OUT" | awk -v r="$ref" '$1 == r')
  case "$line" in
    *"complete ("*" true") ;;
    *) fail "$ref is not complete and unpacked after docker load: $line" ;;
  esac
done
run ctrn snapshots --snapshotter overlayfs ls
[ "$(printf '%s\n' "$OUT" | grep -c Committed)" -ge 2 ] || fail "no committed snapshots after docker load: $OUT"

t "images imported by ctr (unpacked) are listed, with their snapshots in the size"
run ctrn images import --snapshotter overlayfs "$T/ctr.tar"
expect_rc 0
dk images --format '{{.Repository}}:{{.Tag}}'
expect_out_has "ctrimg/app:1"
expect_out_has "ctrimg/unused:1"
size=$(docker image inspect -f '{{.Size}}' ctrimg/app:1)
# 20000 bytes of file content are unpacked: the size counts more than the 20 kB layer tar.
[ "$size" -gt 40000 ] || fail "ctrimg/app:1 size $size does not count its unpacked snapshot"

t "docker save of a loaded image loads back with the same ID"
bb=$(id_of busybox:latest)
dk save -o "$T/bb-saved.tar" busybox:latest
expect_rc 0
dk rmi busybox:latest
expect_rc 0
run_in "$T/bb-saved.tar" docker load
expect_rc 0
expect_eq "$(id_of busybox:latest)" "$bb" "ID after save and load"

# ------------------------------------------------------------------ containers
t "containers: by name (docker), by ID (docker), and one made by ctr"
dk create --name web busybox:latest
expect_rc 0
dk create --name byid "$(id_of old:1)"
expect_rc 0
run ctrn containers create --snapshotter overlayfs docker.io/ctrimg/app:1 ctrbox
expect_rc 0
dk ps -a --format '{{.Names}}|{{.Image}}'
expect_out_has "web|busybox:latest"
expect_out_has "byid|$(id_of old:1 | cut -c8-19)"
expect_out_has "ctrbox|ctrimg/app:1"

# ------------------------------------------------------------------ prunes
t "image prune (dangling) deletes the untagged image only"
dk image prune -f
expect_rc 0
expect_match "$OUT" "^untagged: sha256:[0-9a-f]{64}$" "the dangling image's item"
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^untagged: ')" 1 "untagged items"
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^deleted: sha256:')" 3 "deleted blobs (manifest, config, layer)"
expect_eq "$(repo_tags)" "busybox:latest ctrimg/app:1 ctrimg/unused:1 old:1 " "images after a dangling prune"

t "prune -a with a label filter: old:1 is used by ID, so nothing goes"
dk image prune -a -f --filter label=app=db
expect_rc 0
expect_out "Total reclaimed space: 0B"

t "dry run, then prune -a: the same report; the images of every container stay"
dry=$(dry_run '{"dangling":{"false":true}}')
curl -sS --unix-socket "$E2E_SOCK" -X POST "http://docker/v1.50/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D" > "$T/real.json"
expect_eq "$(cat "$T/real.json")" "$dry" "real prune body vs the dry run"
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["SpaceReclaimed"])' "$T/real.json")
[ "$got" -gt 30000 ] || fail "SpaceReclaimed $got does not count ctrimg/unused's snapshot"
expect_eq "$(repo_tags)" "busybox:latest ctrimg/app:1 old:1 " "images kept by containers"

t "docker image prune -a after the containers go removes everything, snapshots too"
dk rm web byid
expect_rc 0
run ctrn containers rm ctrbox
expect_rc 0
dk image prune -a -f
expect_rc 0
expect_eq "$(untagged_lines)" "busybox:latest ctrimg/app:1 old:1 " "untagged"
expect_match "$OUT" "Total reclaimed space: [0-9.]+kB$" "the total line"
expect_eq "$(docker images -q | wc -l)" 0 "images left"
expect_eq "$(ctrn images ls -q | wc -l)" 0 "records left in containerd"
expect_eq "$(ctrn snapshots ls | awk 'NR > 1' | wc -l)" 0 "snapshots left"
expect_eq "$(ctrn content ls | awk 'NR > 1' | wc -l)" 0 "blobs left"

t "system df and system prune -a over containerd"
run_in "$T/set.tar" docker load
expect_rc 0
dk create --name keep old:1
expect_rc 0
dk system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}'
expect_rc 0
expect_out_has "Images|3|1"
expect_out_has "Containers|1|0"
dk system prune -a -f
expect_rc 0
expect_out_has "Deleted Containers:"
expect_eq "$(repo_tags)" "" "images after system prune -a (its container went first)"

# ------------------------------------------------------------------ pull
pull_cases

t "a pulled image is unpacked and labelled as containerd's own pull leaves it"
run ctrn images check
line=$(printf '%s\n' "$OUT" | awk -v r="$REG/x/app:2" '$1 == r')
case "$line" in
  *"complete ("*" true") ;;
  *) fail "$REG/x/app:2 is not complete and unpacked after docker pull: $line" ;;
esac
run ctrn content ls
expect_match "$OUT" "containerd.io/distribution.source.127.0.0.1=x/app" "ctr content ls"
expect_match "$OUT" "containerd.io/gc.ref.content.l.0=sha256:" "ctr content ls"

# ------------------------------------------------------------------ push, login
# The CLI on the server's namespace of the same containerd.
push_cases --store containerd --containerd-address "$CTD_SOCK" --namespace "$NS"
events_cases
metrics_cases ctd json
killed_pull_case --store containerd --containerd-address "$CTD_SOCK" --namespace "$NS"

t "SIGTERM stops the server; containerd keeps running"
e2e_stop_server ctd
command ctr -a "$CTD_SOCK" version >/dev/null 2>&1 || fail "containerd went down with the server"

e2e_finish
