#!/usr/bin/env bash
# End to end: the real docker CLI (28.x) against the real `reclaim serve` binary
# on a temporary root and unix socket. Every command of specs/docker-api.md §5,
# the reference forms of specs/prune.md §4.4, the prune filters and errors, two
# prunes at once (exactly one 409), a prune during a streaming load, a client
# that disconnects mid-load, and malformed requests.
#
#   tests/e2e/docker_cli_test.sh PATH/TO/reclaim
#
# Fails (exit 1, never a skip) without a docker CLI, curl or python3; prints
# "N passed, M failed" and exits 1 if a case failed. E2E_KEEP=1 keeps the
# temporary directory.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_cases.sh"
source "$(dirname "$0")/push_cases.sh"
source "$(dirname "$0")/events_cases.sh"
source "$(dirname "$0")/metrics_cases.sh"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
  { echo "FATAL: no prometheus/promtool (scripts/setup.sh installs Debian's prometheus)" >&2; exit 1; }
command -v docker >/dev/null || { echo "FATAL: no docker CLI on the PATH" >&2; exit 1; }
command -v curl >/dev/null || { echo "FATAL: no curl (scripts/setup.sh installs it)" >&2; exit 1; }
e2e_init "${1:-}"
T=$E2E_TMP

e2e_start_server main --metrics-addr 127.0.0.1:0
use_server main

# ------------------------------------------------------------------ images
# busybox: labelled app=web; old: created 2015, app=db; dang: untagged;
# multi: three layers, the first shared ("base") with other images below.
IMG_BB="tags=busybox:latest;seed=bb;label=app=web"
IMG_OLD="tags=old:1;seed=old;created=2015-01-01T00:00:00Z;label=app=db"
IMG_DANG="seed=dang"
IMG_MULTI="tags=multi:1;seed=multi;layers=2;base=shared"
mkarchive --meta "$T/set1.json" "$T/set1.tar" "$IMG_BB" "$IMG_OLD" "$IMG_DANG"
mkarchive --meta "$T/multi.json" "$T/multi.tar" "$IMG_MULTI"
mkarchive --meta "$T/bb.json" "$T/bb.tar" "$IMG_BB"
mkarchive --meta "$T/old.json" "$T/old.tar" "$IMG_OLD"
mkarchive --meta "$T/dang.json" "$T/dang.tar" "$IMG_DANG"

id_of() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null; }
short() { local id=${1#sha256:}; printf '%s' "${id:0:12}"; }
# The bytes of the blobs of an image that only it uses: manifest + config + layers.
own_bytes() { # own_bytes IMAGE META-FILE INDEX
  local manifest cfg layers
  manifest=$(docker image inspect -f '{{.Descriptor.Size}}' "$1")
  cfg=$(meta "$2" "m[$3]['config_size']")
  layers=$(meta "$2" "sum(m[$3]['layer_sizes'])")
  echo $((manifest + cfg + layers))
}
# Empties the store: every container, then every image.
reset_store() {
  local ids
  ids=$(docker ps -aq)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  docker image prune -a -f >/dev/null || fail "reset: prune -a failed"
  [ -z "$(docker images -aq)" ] || fail "reset: images left: $(docker images -a)"
}
untagged_lines() { printf '%s\n' "$OUT" | sed -n 's/^untagged: //p' | sort; }
repo_tags() { docker images --format '{{.Repository}}:{{.Tag}}' | sort; }

# ------------------------------------------------------------------ empty store
t "docker version: API 1.50, minimum 1.24, linux"
dk version --format '{{.Server.APIVersion}}|{{.Server.MinAPIVersion}}|{{.Server.Os}}'
expect_rc 0
expect_out "1.50|1.24|linux"
dk version
expect_rc 0
expect_out_has "  API version:      1.50 (minimum version 1.24)"
expect_out_has " API version:       1.50"

t "docker info on the empty store"
dk info --format '{{.Images}}|{{.Containers}}|{{.DockerRootDir}}|{{.OSType}}|{{.Swarm.LocalNodeState}}'
expect_rc 0
expect_out "0|0|$T/main-root|linux|inactive"
dk info
expect_rc 0
expect_out_has " Images: 0"

t "docker images / ps -a on the empty store: the bare headers"
dk images
expect_rc 0
expect_out "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE"
dk ps -a
expect_rc 0
expect_out "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES"

# ------------------------------------------------------------------ load
t "docker load -i: one line per tag, then the untagged image's ID"
dk load -i "$T/set1.tar"
expect_rc 0
expect_err ""
DANG=$(printf '%s\n' "$OUT" | sed -n 's/^Loaded image ID: //p')
expect_match "$DANG" '^sha256:[0-9a-f]{64}$' "the ID of the untagged image"
expect_out "Loaded image: busybox:latest
Loaded image: old:1
Loaded image ID: $DANG"
BB=$(id_of busybox:latest)
OLD=$(id_of old:1)
expect_match "$BB" '^sha256:[0-9a-f]{64}$' "busybox's ID"
expect_eq "$(id_of "$DANG")" "$DANG" "inspect of the untagged image by its ID"

t "docker load -q from stdin"
run_in "$T/multi.tar" docker load -q
expect_rc 0
expect_out "Loaded image: multi:1"
MULTI=$(id_of multi:1)
expect_match "$MULTI" '^sha256:[0-9a-f]{64}$' "multi's ID"

t "docker load of a file that is not an image archive fails, the server lives on"
head -c 20000 /dev/urandom > "$T/garbage.tar"
dk load -i "$T/garbage.tar"
expect_rc 1
[ -n "$ERR" ] || fail "no error message on stderr"
expect_alive "a bad load"

# ------------------------------------------------------------------ images
t "docker images: one row per tag, IDs, sizes and dates as inspect says"
want=""
for ref in busybox:latest old:1 multi:1 "$DANG"; do
  size=$(docker image inspect -f '{{.Size}}' "$ref")
  created=$(docker image inspect -f '{{.Created}}' "$ref")
  id=$(id_of "$ref")
  case $ref in
    sha256:*) name="<none>|<none>" ;;
    *) name="${ref%:*}|${ref##*:}" ;;
  esac
  date_txt=$(date -u -d "$created" '+%Y-%m-%d %H:%M:%S +0000 UTC')
  want+="$name|$(short "$id")|$(human "$size" 3)|$date_txt"$'\n'
done
dk images --format '{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Size}}|{{.CreatedAt}}'
expect_rc 0
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s' "$want" | sort)" "docker images rows"
expect_eq "$(printf '%s\n' "$OUT" | tail -1 | cut -d'|' -f1)" "old" "the oldest image (2015) comes last"
dk images
expect_rc 0
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "header"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 5 "lines of docker images"

t "docker images -q: the short IDs"
dk images -q
expect_rc 0
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' "$(short "$BB")" "$(short "$OLD")" "$(short "$MULTI")" "$(short "$DANG")" | sort)" "images -q"

t "docker images --digests"
dk images --digests --format '{{.Repository}}|{{.Digest}}'
expect_rc 0
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' "busybox|$BB" "old|$OLD" "multi|$MULTI" "<none>|<none>" | sort)" "digests"
dk images --digests
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$' "header with DIGEST"

t "docker images --filter dangling=true / reference / label"
dk images -q --filter dangling=true
expect_rc 0
expect_out "$(short "$DANG")"
dk images --format '{{.Repository}}:{{.Tag}}' --filter reference=busybox
expect_out "busybox:latest"
dk images --format '{{.Repository}}:{{.Tag}}' busybox
expect_out "busybox:latest"
dk images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=*:1'
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' multi:1 old:1)" "reference=*:1"
dk images --format '{{.Repository}}:{{.Tag}}' --filter label=app=web
expect_out "busybox:latest"
dk images --format '{{.Repository}}:{{.Tag}}' --filter dangling=false
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' busybox:latest multi:1 old:1)" "dangling=false"

t "docker images --format json"
dk images --format json
expect_rc 0
got=$(printf '%s\n' "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(len(rows), sorted(rows[0].keys()) == sorted(["Containers", "CreatedAt", "CreatedSince", "Digest",
      "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"]),
      sorted(r["Repository"] for r in rows), rows[0]["Containers"], rows[0]["SharedSize"])')
expect_eq "$got" "4 True ['<none>', 'busybox', 'multi', 'old'] N/A N/A" "JSON rows"

t "docker images --filter foo=bar: invalid filter 'foo'"
dk images --filter foo=bar
expect_rc 1
expect_err "Error response from daemon: invalid filter 'foo'"

# ------------------------------------------------------------------ inspect
t "docker image inspect: fields, diff IDs from the archive, moby's key order"
dk image inspect -f '{{.Id}}|{{json .RepoTags}}|{{json .RootFS.Layers}}|{{.Os}}|{{.Architecture}}|{{.Created}}|{{json .Config.Labels}}' busybox
expect_rc 0
expect_out "$BB|[\"busybox:latest\"]|[\"$(meta "$T/set1.json" 'm[0]["diff_ids"][0]')\"]|linux|amd64|2024-01-01T00:00:00Z|{\"app\":\"web\"}"
dk image inspect busybox
expect_rc 0
keys=$(printf '%s' "$OUT" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), ",".join(a[0].keys()))')
expect_match "$keys" '^1 Id,RepoTags,RepoDigests,Parent,Comment,Created,DockerVersion,Author,Config,Architecture,Os,Size,GraphDriver,RootFS,Metadata' "inspect keys"

t "docker image inspect: every name form resolves to the same image"
hex=${BB#sha256:}
for ref in "$BB" "$hex" "${hex:0:12}" "${hex:0:8}" busybox busybox:latest docker.io/library/busybox:latest "busybox@$BB"; do
  got=$(id_of "$ref")
  expect_eq "$got" "$BB" "inspect $ref"
done

t "docker image inspect of a missing image: [] and No such image, exit 1"
dk image inspect nope
expect_rc 1
expect_out "[]"
expect_err "Error response from daemon: No such image: nope:latest"

# ------------------------------------------------------------------ history
t "docker history: one row per layer, newest first, from the config's history"
dk history --no-trunc -H=false --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.CreatedAt}}' multi:1
expect_rc 0
want=""
for i in 2 1 0; do
  d=$(meta "$T/multi.json" "m[0]['diff_ids'][$i]")
  sz=$(meta "$T/multi.json" "m[0]['layer_sizes'][$i]")
  id="<missing>"
  [ $i = 2 ] && id=$MULTI
  want+="$id|/bin/sh -c #(nop) ADD file:${d:7:12} in /|$sz|2024-01-01T00:00:00Z"$'\n'
done
expect_out "${want%$'\n'}"
dk history busybox
expect_rc 0
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$' "header"
expect_match "$(printf '%s\n' "$OUT" | sed -n 2p)" "^$(short "$BB") " "first row"
dk history nope
expect_rc 1
expect_err "Error response from daemon: No such image: nope:latest"

# ------------------------------------------------------------------ tag
t "docker tag: new tags in several forms, by name and by ID"
dk tag busybox busybox:a
expect_rc 0
expect_out ""
dk tag busybox:latest reg.example:5000/ns/bb:v1
expect_rc 0
dk tag "$(short "$OLD")" old:2
expect_rc 0
dk image inspect -f '{{json .RepoTags}}' busybox
expect_out '["busybox:a","busybox:latest","reg.example:5000/ns/bb:v1"]'
expect_eq "$(id_of old:2)" "$OLD" "old:2"
dk images --format '{{.Repository}}:{{.Tag}}|{{.ID}}' --filter reference=reg.example:5000/ns/bb
expect_out "reg.example:5000/ns/bb:v1|$(short "$BB")"

t "docker tag moves an existing tag"
dk tag multi:1 old:2
expect_rc 0
expect_eq "$(id_of old:2)" "$MULTI" "old:2 after the move"
expect_eq "$(id_of old:1)" "$OLD" "old:1 stays"

t "docker tag errors: missing source (404), bad target (client side)"
dk tag nope x
expect_rc 1
expect_err "Error response from daemon: No such image: nope:latest"
dk tag busybox Bad:x
expect_rc 1
expect_match "$ERR" 'invalid reference format' "stderr"

# ------------------------------------------------------------------ save
e2e_start_server peer
t "docker save -o, and docker save | docker load into a second server"
dk save -o "$T/save-bb.tar" busybox:latest
expect_rc 0
expect_out ""
[ -s "$T/save-bb.tar" ] || fail "no archive written"
listing=$(tar -tf "$T/save-bb.tar" 2>&1)
for f in manifest.json index.json oci-layout "blobs/sha256/${BB#sha256:}"; do
  grep -qxF -- "$f" <<<"$listing" || fail "the archive lacks $f: $listing"
done
run env DOCKER_HOST="unix://$T/peer.sock" docker load -i "$T/save-bb.tar"
expect_rc 0
expect_out "Loaded image: busybox:latest"
run bash -c "docker save old:1 multi:1 | DOCKER_HOST=unix://$T/peer.sock docker load"
expect_rc 0
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' "Loaded image: multi:1" "Loaded image: old:1")" "loaded from the pipe"
for pair in "busybox:latest $BB" "old:1 $OLD" "multi:1 $MULTI"; do
  set -- $pair
  got=$(DOCKER_HOST="unix://$T/peer.sock" docker image inspect -f '{{.Id}}' "$1" 2>&1)
  expect_eq "$got" "$2" "ID of $1 on the second server"
done

t "docker save of a missing image: No such image, no file"
dk save -o "$T/save-none.tar" nope
expect_rc 1
expect_err "Error response from daemon: No such image: nope:latest"
[ ! -e "$T/save-none.tar" ] || fail "an archive was written for a missing image"

t "the second server stops cleanly and its store checks clean"
e2e_stop_server peer
run "$RECLAIM" --root "$T/peer-root" fsck
expect_rc 0
expect_match "$OUT" ' 0 problem\(s\)' "fsck"

# ------------------------------------------------------------------ import
t "docker import from a file, from stdin and gzipped: diff ID = sha256 of the tar"
mkdir -p "$T/rootfs/etc" "$T/rootfs/bin"
echo "hello from reclaim" > "$T/rootfs/etc/motd"
printf '#!/bin/sh\necho hi\n' > "$T/rootfs/bin/hi"
tar --sort=name --mtime=@1700000000 --owner=0 --group=0 -C "$T/rootfs" -cf "$T/rootfs.tar" .
gzip -kn "$T/rootfs.tar"
diff_id="sha256:$(sha256sum "$T/rootfs.tar" | cut -d' ' -f1)"
dk import "$T/rootfs.tar" imp/app:1
expect_rc 0
expect_match "$OUT" '^sha256:[0-9a-f]{64}$' "import output"
imp1=$OUT
expect_eq "$(id_of imp/app:1)" "$imp1" "ID of imp/app:1"
run_in "$T/rootfs.tar" docker import - imp/app:2
expect_rc 0
expect_match "$OUT" '^sha256:[0-9a-f]{64}$' "import from stdin"
dk import "$T/rootfs.tar.gz" imp/app:3
expect_rc 0
for r in imp/app:1 imp/app:2 imp/app:3; do
  got=$(docker image inspect -f '{{json .RootFS.Layers}}' "$r")
  expect_eq "$got" "[\"$diff_id\"]" "layers of $r"
done
dk images --format '{{.Repository}}:{{.Tag}}' --filter reference=imp/app
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' imp/app:1 imp/app:2 imp/app:3)" "imported tags"

# ------------------------------------------------------------------ containers
t "docker create --name, docker ps -a"
dk create --name c1 busybox
expect_rc 0
expect_match "$OUT" '^[0-9a-f]{64}$' "container ID"
C1=$OUT
dk ps -a --format '{{.ID}}|{{.Image}}|{{.Names}}|{{.State}}|{{.Status}}'
expect_rc 0
expect_out "$(short "$C1")|busybox|c1|created|Created"
dk ps -a --no-trunc -q
expect_out "$C1"
dk ps -q
expect_out ""
dk ps -a
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' "header"
expect_match "$(printf '%s\n' "$OUT" | sed -n 2p)" "^$(short "$C1") +busybox .* Created +c1\$" "row"

t "docker create: name in use (409), missing image (404 then no pull)"
dk create --name c1 busybox
expect_rc 1
expect_err "Error response from daemon: Conflict. The container name \"/c1\" is already in use by container \"$C1\". You have to remove (or rename) that container to be able to reuse that name."
dk create --pull never nope
expect_rc 1
expect_err "Error response from daemon: No such image: nope:latest"
dk create nope
expect_rc 1
expect_err_has "Unable to find image 'nope:latest' locally"

t "docker info counts images and containers"
dk info --format '{{.Images}}|{{.Containers}}|{{.ContainersStopped}}'
expect_rc 0
expect_match "$OUT" '^[0-9]+\|1\|[01]$' "info counts"

# ------------------------------------------------------------------ rmi
t "docker rmi: untag when other tags remain"
dk rmi busybox:a
expect_rc 0
expect_out "Untagged: busybox:a"
dk rmi reg.example:5000/ns/bb:v1
expect_rc 0
expect_out "Untagged: reg.example:5000/ns/bb:v1"

t "docker rmi of an image a container uses: conflict, by name and by ID"
dk rmi busybox
expect_rc 1
expect_out ""
expect_err "Error response from daemon: conflict: unable to remove repository reference \"busybox\" (must force) - container $(short "$C1") is using its referenced image $(short "$BB")"
dk rmi "$BB"
expect_rc 1
expect_err "Error response from daemon: conflict: unable to delete $(short "$BB") (must be forced) - image is being used by stopped container $(short "$C1")"

t "docker rmi -f of a used image: untagged, left as <none>"
dk rmi -f busybox
expect_rc 0
expect_out "Untagged: busybox:latest"
dk images --format '{{.Repository}}|{{.Tag}}|{{.ID}}'
expect_out_has "<none>|<none>|$(short "$BB")"
expect_out_lacks "busybox|latest|$(short "$BB")"

t "docker rmi of the last tag: Untagged then Deleted"
dk rmi old:1
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -2)" "Untagged: old:1
Deleted: $OLD" "first lines"
dk image inspect old:1
expect_rc 1

t "docker rmi of a missing image: 404, ignored by -f"
dk rmi nope
expect_rc 1
expect_err "Error response from daemon: No such image: nope:latest"
dk rmi -f nope
expect_rc 0
expect_err "Error response from daemon: No such image: nope:latest"

# ------------------------------------------------------------------ rm
t "docker rm: prints the argument; missing container 404, ignored by -f"
dk rm c1
expect_rc 0
expect_out "c1"
dk ps -aq
expect_out ""
dk rm c1
expect_rc 1
expect_err "Error response from daemon: No such container: c1"
dk rm -f c1
expect_rc 0

# ------------------------------------------------------------------ prune.md §4.4
# One row of the worked examples: TAGS (extra tags of the busybox image besides
# latest, or "-latest" to drop latest), the container's image form (D = the ID),
# the untagged names wanted (sorted, space-separated) and the tags kept.
ref_row() {
  local tags=$1 form=$2 want_untagged=$3 want_kept=$4
  reset_store
  docker load -q -i "$T/bb.tar" >/dev/null || fail "load bb.tar"
  local d
  d=$(id_of busybox:latest)
  local tg
  for tg in $tags; do
    if [ "$tg" = -latest ]; then
      docker rmi busybox:latest >/dev/null || fail "rmi latest"
    else
      docker tag busybox:latest "busybox:$tg" || fail "tag $tg"
    fi
  done
  local image=${form//D/${d#sha256:}}
  dk create --name ref "$image"
  expect_rc 0
  dk image prune -a -f
  expect_rc 0
  if [ -z "$want_untagged" ]; then
    expect_out "Total reclaimed space: 0B"
  else
    expect_eq "$(printf '%s\n' "$OUT" | head -1)" "Deleted Images:" "first line"
    expect_eq "$(untagged_lines | tr '\n' ' ' | sed 's/ $//')" "$want_untagged" "untagged with container image '$image'"
    expect_eq "$(printf '%s\n' "$OUT" | grep -c '^deleted: ')" 0 "deleted lines (the content stays)"
    expect_eq "$(printf '%s\n' "$OUT" | tail -2)" "
Total reclaimed space: 0B" "the total"
  fi
  expect_eq "$(repo_tags | tr '\n' ' ' | sed 's/ $//')" "$want_kept" "tags kept with container image '$image'"
  docker rm ref >/dev/null || fail "rm ref"
}
t "prune -a keeps busybox:latest used by ID, hex, short ID, digest, tag@digest, name"
ref_row "" "sha256:D" "" "busybox:latest"
ref_row "" "D" "" "busybox:latest"
reset_store
docker load -q -i "$T/bb.tar" >/dev/null
D=$(id_of busybox:latest)
for form in "${D#sha256:}" "${D:7:8}" "busybox@$D" "busybox:latest@$D" busybox; do
  dk create --name ref "$form"
  expect_rc 0
  dk image prune -a -f
  expect_out "Total reclaimed space: 0B"
  expect_eq "$(repo_tags)" "busybox:latest" "kept with container image $form"
  docker rm ref >/dev/null
done

t "prune -a with busybox:latest + busybox:a: the last name in sort order stays"
for form in "sha256:D" "D" "busybox@sha256:D"; do
  ref_row "a" "$form" "busybox:a" "busybox:latest"
done
d8=$(id_of busybox:latest); d8=${d8:7:8}
ref_row "a" "$d8" "busybox:a" "busybox:latest"
ref_row "a" "busybox:latest@sha256:D" "busybox:a" "busybox:latest"
ref_row "a" "busybox" "busybox:a" "busybox:latest"
ref_row "a" "busybox:a" "busybox:latest" "busybox:a"

t "prune -a with eleven tags and a container by full ID: z stays"
ref_row "a e h j o q r s t w z -latest" "sha256:D" \
  "busybox:a busybox:e busybox:h busybox:j busybox:o busybox:q busybox:r busybox:s busybox:t busybox:w" \
  "busybox:z"

t "prune -a keeps a dangling image that a container uses"
reset_store
docker load -q -i "$T/dang.tar" >/dev/null
for form in "$DANG" "${DANG:7:12}"; do
  dk create --name ref "$form"
  expect_rc 0
  dk image prune -a -f
  expect_out "Total reclaimed space: 0B"
  expect_eq "$(docker images -aq)" "$(short "$DANG")" "dangling image kept"
  docker rm ref >/dev/null
done

t "prune -a: alpine re-pointed by a load, the container's old image stays as <none>"
reset_store
mkarchive "$T/alpine1.tar" "tags=alpine:latest;seed=alpine1"
mkarchive "$T/alpine2.tar" "tags=alpine:latest;seed=alpine2"
docker load -q -i "$T/alpine1.tar" >/dev/null
A1=$(id_of alpine:latest)
dk create --name ref alpine
expect_rc 0
docker load -q -i "$T/alpine2.tar" >/dev/null
A2=$(id_of alpine:latest)
[ "$A1" != "$A2" ] || fail "alpine:latest did not move"
dk images --format '{{.Repository}}:{{.Tag}}|{{.ID}}'
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' "<none>:<none>|$(short "$A1")" "alpine:latest|$(short "$A2")" | sort)" "images after the move"
dk image prune -a -f
expect_rc 0
expect_out "Total reclaimed space: 0B"
dk images -aq
expect_eq "$(sorted_lines "$OUT")" "$(printf '%s\n' "$(short "$A1")" "$(short "$A2")" | sort)" "both kept"
docker rm ref >/dev/null

# ------------------------------------------------------------------ image prune
t "docker image prune (dangling only): exact report and reclaimed bytes"
reset_store
docker load -q -i "$T/set1.tar" >/dev/null
docker load -q -i "$T/multi.tar" >/dev/null
bytes=$(own_bytes "$DANG" "$T/set1.json" 2)
dk image prune -f
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -2)" "Deleted Images:
untagged: $DANG" "first lines"
expect_out_has "deleted: $DANG"
expect_eq "$(printf '%s\n' "$OUT" | tail -2)" "
Total reclaimed space: $(human "$bytes")" "the total ($bytes bytes)"
expect_eq "$(repo_tags)" "$(printf '%s\n' busybox:latest multi:1 old:1)" "tagged images stay"
dk image prune -f
expect_out "Total reclaimed space: 0B"

t "docker image prune -a --filter until=<timestamp>: only what was loaded before"
reset_store
docker load -q -i "$T/bb.tar" >/dev/null
sleep 0.3
until_ts=$(date +%s.%N)
sleep 0.3
docker load -q -i "$T/old.tar" >/dev/null
dk image prune -a -f --filter until=24h
expect_rc 0
expect_out "Total reclaimed space: 0B"
bytes=$(own_bytes busybox:latest "$T/bb.json" 0)
dk image prune -a -f --filter "until=$until_ts"
expect_rc 0
expect_eq "$(untagged_lines)" "busybox:latest" "untagged"
expect_out_has "deleted: $BB"
expect_eq "$(printf '%s\n' "$OUT" | tail -1)" "Total reclaimed space: $(human "$bytes")" "the total"
expect_eq "$(repo_tags)" "old:1" "kept"

t "docker image prune -a --filter label=, label!="
reset_store
docker load -q -i "$T/set1.tar" >/dev/null
docker load -q -i "$T/multi.tar" >/dev/null
docker image prune -f >/dev/null
dk image prune -a -f --filter label=app=web
expect_rc 0
expect_eq "$(untagged_lines)" "busybox:latest" "label=app=web"
expect_eq "$(repo_tags)" "$(printf '%s\n' multi:1 old:1)" "kept after label="
dk image prune -a -f --filter label!=app=db
expect_rc 0
expect_eq "$(untagged_lines)" "multi:1" "label!=app=db (an image without the label goes too)"
expect_eq "$(repo_tags)" "old:1" "kept after label!="
docker load -q -i "$T/set1.tar" >/dev/null
docker load -q -i "$T/multi.tar" >/dev/null
docker image prune -f >/dev/null
dk image prune -a -f --filter label=app
expect_rc 0
expect_eq "$(untagged_lines)" "$(printf '%s\n' busybox:latest old:1)" "label=app (key only)"
expect_eq "$(repo_tags)" "multi:1" "kept after label=app"

t "docker image prune filter errors (400)"
dk image prune -f --filter dangling=false
expect_rc 1
expect_out ""
expect_err "Error response from daemon: invalid filter 'dangling=[false true]'"
dk image prune -f --filter foo=bar
expect_rc 1
expect_err "Error response from daemon: invalid filter 'foo'"
dk image prune -a -f --filter until=not-a-time
expect_rc 1
expect_match "$ERR" "^Error response from daemon: invalid value for 'until' filter: " "bad until"
api POST '/v1.50/images/prune?filters=%7B%22foo%22%3A%7B%22bar%22%3Atrue%7D%7D'
expect_json_error 400 "invalid filter 'foo'"
expect_eq "$(repo_tags)" "multi:1" "nothing pruned by the failed prunes"

# ------------------------------------------------------------------ container prune
t "docker container prune -f"
docker load -q -i "$T/bb.tar" >/dev/null
c2=$(docker create --name c2 busybox)
c3=$(docker create multi:1)
dk container prune -f
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "Deleted Containers:" "first line"
expect_eq "$(printf '%s\n' "$OUT" | sed -n '2,3p' | sort)" "$(printf '%s\n' "$c2" "$c3" | sort)" "deleted containers"
expect_eq "$(printf '%s\n' "$OUT" | tail -2)" "
Total reclaimed space: 0B" "the total"
dk ps -aq
expect_out ""
dk container prune -f
expect_out "Total reclaimed space: 0B"
dk container prune -f --filter foo=bar
expect_rc 1
expect_err "Error response from daemon: invalid filter 'foo'"

# ------------------------------------------------------------------ system df
t "docker system df"
reset_store
docker load -q -i "$T/set1.tar" >/dev/null
docker create --name dfc busybox >/dev/null
dk system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}'
expect_rc 0
expect_out "Images|3|1
Containers|1|0
Local Volumes|0|0
Build Cache|0|0"
dk system df
expect_rc 0
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$' "header"
expect_match "$(printf '%s\n' "$OUT" | sed -n 2p)" '^Images +3 +1 +[0-9.]+kB +[0-9.]+kB \([0-9]+%\)$' "images row"
api GET /v1.50/system/df
sum_ok=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
used = [i for i in d["Images"] if i["Containers"] > 0]
print(len(d["Images"]), len(used), d["LayersSize"] == sum(i["Size"] for i in d["Images"]))')
expect_eq "$sum_ok" "3 1 True" "df: images, used, LayersSize = sum of sizes (no shared blobs)"
dk system df -v
expect_rc 0
expect_out_has "Images space usage:"
expect_out_has "Containers space usage:"

# ------------------------------------------------------------------ system prune
t "docker system prune -f: containers, then dangling images"
bytes=$(own_bytes "$DANG" "$T/set1.json" 2)
dfc=$(docker ps -aq --no-trunc)
dk system prune -f
expect_rc 0
expect_eq "$(printf '%s\n' "$OUT" | head -5)" "Deleted Containers:
$dfc

Deleted Images:
untagged: $DANG" "first lines"
expect_out_has "deleted: $DANG"
expect_eq "$(printf '%s\n' "$OUT" | tail -2)" "
Total reclaimed space: $(human "$bytes")" "the total"
expect_eq "$(repo_tags)" "$(printf '%s\n' busybox:latest old:1)" "tagged images stay"

t "docker system prune -a -f: every image"
dk system prune -a -f
expect_rc 0
expect_eq "$(untagged_lines)" "$(printf '%s\n' busybox:latest old:1)" "untagged"
expect_out_has "deleted: $BB"
expect_out_has "deleted: $OLD"
dk images -aq
expect_out ""
dk system prune -a -f
expect_out "Total reclaimed space: 0B"

# ------------------------------------------------------------------ two prunes at once
t "two prunes at once: exactly one answers 409 a prune operation is already running"
tags=$(for i in $(seq 1 400); do printf 'many/t:%d,' "$i"; done)
mkarchive "$T/many.tar" "tags=${tags%,};seed=many"
prune_url='http://reclaim/v1.50/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D'
overlapped=0
for round in 1 2 3 4 5 6; do
  docker load -q -i "$T/many.tar" >/dev/null || fail "load many.tar"
  race_pids=()
  for k in 1 2; do
    curl -sS --max-time 60 --unix-socket "$E2E_SOCK" -X POST -o "$T/race$k.body" \
      -w '%{http_code} %{content_type}\n' "$prune_url" >"$T/race$k.code" 2>&1 &
    race_pids+=($!)
  done
  wait "${race_pids[@]}"
  codes=$(cat "$T/race1.code" "$T/race2.code" | cut -d' ' -f1 | sort | tr '\n' ' ')
  case "$codes" in
    "200 409 ")
      overlapped=$((overlapped + 1))
      for k in 1 2; do
        if [ "$(cut -d' ' -f1 "$T/race$k.code")" = 409 ]; then
          expect_eq "$(cat "$T/race$k.body")" '{"message":"a prune operation is already running"}' "409 body"
          expect_eq "$(cut -d' ' -f2- "$T/race$k.code")" "application/json" "409 Content-Type"
        else
          n=$(python3 -c 'import json,sys; print(sum("Untagged" in i for i in json.load(open(sys.argv[1]))["ImagesDeleted"]))' "$T/race$k.body")
          expect_eq "$n" 400 "untagged items of the prune that ran"
        fi
      done
      ;;
    "200 200 ")  # no overlap this round: the second found nothing left
      grep -q '"ImagesDeleted":null' "$T/race1.body" "$T/race2.body" || fail "two 200s that both pruned"
      ;;
    *) fail "round $round: statuses $codes" ;;
  esac
  [ -z "$(docker images -aq)" ] || fail "round $round: images left after the prunes"
  [ "$overlapped" -ge 2 ] && break
done
[ "$overlapped" -ge 1 ] || fail "the two prunes never overlapped in $round rounds"
echo "  (overlapped in $overlapped of $round rounds)"

t "two docker image prune -a -f at once: one prints the 409 error, exit 1"
overlapped=0
for round in 1 2 3 4 5 6; do
  docker load -q -i "$T/many.tar" >/dev/null || fail "load many.tar"
  docker image prune -a -f >"$T/p1.out" 2>"$T/p1.err" &
  p1=$!
  docker image prune -a -f >"$T/p2.out" 2>"$T/p2.err" &
  p2=$!
  wait $p1; r1=$?
  wait $p2; r2=$?
  if [ "$r1$r2" = 01 ] || [ "$r1$r2" = 10 ]; then
    overlapped=1
    loser=1; [ "$r2" = 1 ] && loser=2
    expect_eq "$(cat "$T/p$loser.err")" "Error response from daemon: a prune operation is already running" "stderr of the loser"
    expect_eq "$(cat "$T/p$loser.out")" "" "stdout of the loser"
    winner=$((3 - loser))
    expect_eq "$(sed -n 's/^untagged: //p' "$T/p$winner.out" | wc -l)" 400 "untagged by the winner"
    break
  fi
  [ "$r1$r2" = 00 ] || fail "round $round: exit statuses $r1 $r2: $(cat "$T/p1.err" "$T/p2.err")"
done
[ "$overlapped" = 1 ] || fail "the two CLI prunes never overlapped in $round rounds"
[ -z "$(docker images -aq)" ] || fail "images left after the prunes"

# ------------------------------------------------------------------ prune during a load
# A slow chunked upload with curl from a fifo: half the archive, then a prune of
# the dangling images (one of them shares the base layer with the image being
# loaded), then the rest. Nothing that was loaded may be lost.
t "a prune while a load is streaming loses nothing that was loaded"
reset_store
mkarchive --meta "$T/victim.json" "$T/victim.tar" "seed=victim;base=shared" "tags=keep:1;seed=keep"
mkarchive --meta "$T/stream.json" "$T/stream.tar" "tags=stream:1;seed=stream;base=shared;size=3000000"
dk load -q -i "$T/victim.tar"
VICTIM=$(printf '%s\n' "$OUT" | sed -n 's/^Loaded image ID: //p')
expect_match "$VICTIM" '^sha256:' "victim ID"
rm -f "$T/load.fifo"; mkfifo "$T/load.fifo"
curl -sS --max-time 120 --unix-socket "$E2E_SOCK" -X POST -H 'Content-Type: application/x-tar' \
  -T - 'http://reclaim/v1.50/images/load?quiet=1' <"$T/load.fifo" >"$T/load.out" 2>&1 &
curl_pid=$!
exec 7>"$T/load.fifo"
half=$(( $(stat -c %s "$T/stream.tar") / 2 ))
head -c "$half" "$T/stream.tar" >&7
sleep 0.3
docker image prune -f >"$T/sprune.out" 2>&1 &
prune_pid=$!
sleep 0.7
if kill -0 "$prune_pid" 2>/dev/null; then
  echo "  (the prune was still in flight when the rest of the upload was sent)"
else
  echo "  (the prune had finished before the rest of the upload was sent)"
fi
tail -c +"$((half + 1))" "$T/stream.tar" >&7
exec 7>&-
wait "$curl_pid"; curl_rc=$?
wait "$prune_pid"; prune_rc=$?
expect_eq "$curl_rc" 0 "curl exit status"
# One JSON message per line, each ending in \r\n (moby's stream format).
expect_eq "$(tr -d '\r' <"$T/load.out")" '{"stream":"Loaded image: stream:1\n"}' "load stream"
expect_eq "$prune_rc" 0 "prune exit status"
expect_eq "$(sed -n 's/^untagged: //p' "$T/sprune.out")" "$VICTIM" "the prune removed the dangling victim"
expect_eq "$(repo_tags)" "$(printf '%s\n' keep:1 stream:1)" "images after"
dk save -o "$T/stream-saved.tar" stream:1
expect_rc 0
listing=$(tar -tf "$T/stream-saved.tar")
for dgst in $(meta "$T/stream.json" 'm[0]["diff_ids"]'); do
  grep -qxF -- "blobs/sha256/${dgst#sha256:}" <<<"$listing" || fail "saved stream:1 lacks layer $dgst"
done
dk history -q stream:1
expect_rc 0

t "a client that disconnects mid-load leaves the store unchanged"
before=$(docker images -a --no-trunc --digests --format '{{.Repository}}|{{.Tag}}|{{.Digest}}|{{.ID}}|{{.Size}}|{{.CreatedAt}}')
[ -n "$before" ] || fail "no images before the cut load"
rm -f "$T/load.fifo"; mkfifo "$T/load.fifo"
curl -sS --max-time 120 --unix-socket "$E2E_SOCK" -X POST -H 'Content-Type: application/x-tar' \
  -T - 'http://reclaim/v1.50/images/load?quiet=1' <"$T/load.fifo" >"$T/load2.out" 2>&1 &
curl_pid=$!
exec 7>"$T/load.fifo"
mkarchive "$T/cut.tar" "tags=cut:1;seed=cut;size=3000000"
head -c 1500000 "$T/cut.tar" >&7
sleep 0.5
kill "$curl_pid"
wait "$curl_pid" 2>/dev/null
exec 7>&-
sleep 0.5
expect_alive "a client disconnect"
after=$(docker images -a --no-trunc --digests --format '{{.Repository}}|{{.Tag}}|{{.Digest}}|{{.ID}}|{{.Size}}|{{.CreatedAt}}')
expect_eq "$after" "$before" "docker images -a before/after"
dk image inspect cut:1
expect_rc 1

# ------------------------------------------------------------------ malformed requests
t "malformed requests: 4xx with a JSON message, the server lives on"
api POST /v1.50/containers/create -H 'Content-Type: application/json' -d '{bad json'
expect_json_error_4xx "invalid JSON"
api POST /v1.50/containers/create -H 'Content-Type: application/json' -d '{"Image":5}'
expect_json_error_4xx "invalid JSON"
api POST /v1.50/containers/create -H 'Content-Type: application/json' -d '{}'
expect_json_error 400 "image name cannot be blank"
api GET '/v1.50/images/json?filters=%7Bbad'
expect_json_error 400 "invalid filter"
api GET '/v1.50/images/json?filters=%5B1%2C2%5D'
expect_json_error 400 "invalid filter"
api POST '/v1.50/images/prune?filters=%7B%22dangling%22%3A%7B%22maybe%22%3Atrue%7D%7D'
expect_json_error 400 "invalid filter 'dangling=[maybe]'"
api POST '/v1.50/containers/prune?filters=nope'
expect_json_error 400 "invalid filter"
api GET /v1.50/no/such/route
expect_json_error 404 "page not found"
api PUT /v1.50/images/json
expect_json_error 404 "page not found"
api GET /v1.99/version
expect_json_error 400 "client version 1.99 is too new. Maximum supported API version is 1.50"
api DELETE /v1.50/images/
expect_json_error_4xx ""
expect_alive "the malformed API requests"

t "protocol garbage: 400 like Go's net/http, the server lives on"
printf 'POST /v1.50/images/load HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n' > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "STATUS 400" "absurd Content-Length"
head -c 4096 /dev/urandom > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10 --shut
expect_match "$(printf '%s\n' "$OUT" | head -1)" '^STATUS (4[0-9][0-9]|none)$' "random bytes"
printf 'GARBAGE\r\n\r\n' > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "STATUS 400" "a garbage request line"
python3 -c "import sys; sys.stdout.write('GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a' * 300000 + '\r\n\r\n')" > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "STATUS 431" "a 300 kB header"
printf 'POST /v1.50/images/load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n' > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10
# moby answers a load 200 and reports failures in the stream.
if ! grep -q '"errorDetail"' <<<"$OUT"; then
  expect_match "$(printf '%s\n' "$OUT" | head -1)" '^STATUS 4[0-9][0-9]$' "a bad chunk"
fi
expect_alive "protocol garbage"
dk images -q
expect_rc 0

t "a JSON body cut short by the client: 400 invalid JSON (moby: unexpected EOF)"
printf 'POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"Image":"a' > "$T/req"
run_in "$T/req" python3 "$E2E_HERE/rawhttp.py" "$E2E_SOCK" --timeout 10 --shut
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "STATUS 400" "status"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p)" "CONTENT-TYPE application/json" "content type"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 3p)" '{"message":"invalid JSON: unexpected EOF"}' "body"
expect_alive "a body cut short"

# ------------------------------------------------------------------ stop
# ------------------------------------------------------------------ pull
pull_cases
# ------------------------------------------------------------------ push, login
push_cases --root "$T/cli-root"
events_cases
metrics_cases main
killed_pull_case --root "$T/cli-root"

t "SIGTERM: exit 0, socket removed, the store checks clean"
e2e_stop_server main
run "$RECLAIM" --root "$T/main-root" fsck
expect_rc 0
expect_match "$OUT" ' 0 problem\(s\)' "fsck"

e2e_finish
