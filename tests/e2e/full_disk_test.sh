#!/usr/bin/env bash
# End to end: reclaim on a full disk. The store's root is a 64 MiB tmpfs the
# test mounts (root only; CI runs as root) inside its temporary directory and
# fills with a file until no byte is free. Then the CLI still lists, removes
# and prunes, and a running `reclaim serve` answers `docker rmi` and
# `docker image prune` with success: the 4 MiB space reserve is given back
# first, and restored once the prune freed enough. Errors name the cause.
#
#   tests/e2e/full_disk_test.sh PATH/TO/reclaim
set -uo pipefail
source "$(dirname "$0")/lib.sh"
command -v docker >/dev/null || { echo "FATAL: no docker CLI on the PATH" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FATAL: mounting the test's tmpfs needs root" >&2; exit 1; }
e2e_init "${1:-}"
T=$E2E_TMP
MNT="$T/full-root"
mkdir -p "$MNT"
mount -t tmpfs -o size=64m reclaim-e2e-full "$MNT" || { echo "FATAL: cannot mount a tmpfs" >&2; exit 1; }
full_cleanup() {
  local name pid
  for name in "${!E2E_PIDS[@]}"; do
    pid=${E2E_PIDS[$name]}
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  umount "$MNT" 2>/dev/null
  e2e_cleanup
}
trap full_cleanup EXIT

CLI=("$RECLAIM" --reserve-space 4MiB --root "$MNT/store")
fill() { dd if=/dev/zero of="$MNT/fill-$1" bs=1M 2>/dev/null; sync; }
free_kb() { df -k --output=avail "$MNT" | tail -n 1 | tr -d ' '; }
mkarchive "$T/two.tar" 'tags=full/a:1;seed=fa;size=5000000' 'tags=full/b:1;seed=fb;size=5000000'

t "a store with room keeps a 4 MiB reserve"
run "${CLI[@]}" image load -i "$T/two.tar"
expect_rc 0
expect_eq "$(stat -c %s "$MNT/store/reserve" 2>/dev/null)" 4194304 "reserve size"

t "on a full disk the CLI lists, untags and prunes; the reserve comes back after"
fill 1
expect_eq "$(free_kb)" 0 "free KiB after filling"
run "${CLI[@]}" image ls
expect_rc 0
expect_out_matches '^full/a +1 '
expect_out_matches '^full/b +1 '
run "${CLI[@]}" image rm full/a:1
expect_rc 0
expect_out_has "Untagged: full/a:1"
rm -f "$MNT/fill-1"
fill 2
run "${CLI[@]}" image prune -a -f
expect_rc 0
expect_out_has "untagged: full/b:1"
[ -e "$MNT/store/reserve" ] || fail "the reserve was not restored after the prune freed space"
run "${CLI[@]}" image ls -q
expect_rc 0
expect_out ""
rm -f "$MNT/fill-2"

t "a running server answers docker rmi and docker image prune on a full disk"
e2e_start_server full --reserve-space 4MiB
# e2e_start_server serves $T/full-root: the tmpfs itself.
use_server full
dk load -i "$T/two.tar"
expect_rc 0
fill 3
expect_eq "$(free_kb)" 0 "free KiB after filling"
dk rmi full/a:1
expect_rc 0
expect_out_has "Untagged: full/a:1"
rm -f "$MNT/fill-3"
fill 4
dk image prune -a -f
expect_rc 0
expect_out_has "untagged: full/b:1"
expect_out_lacks "Total reclaimed space: 0B"
dk images -q
expect_out ""
e2e_stop_server full
rm -f "$MNT/fill-4"

t "a write that cannot fit names the cause, the root and the free bytes"
fill 5
run "${CLI[@]}" image load -i "$T/two.tar"
expect_rc 1
expect_match "$ERR" "no space left on device" "the load's error"
rm -f "$MNT/fill-5"

e2e_finish
