#!/usr/bin/env bash
# End to end: the CLI interrupted. A `reclaim image load` fed by a pipe that
# stalls halfway gets SIGINT (then another run SIGTERM): it exits 130 at once,
# records no image, and leaves no lease behind (meta.db read with python3's
# sqlite3). What the interrupted loads wrote is then shown
# by system df, a dry run and fsck, and collected by fsck --repair.
#
#   tests/e2e/cli_signals_test.sh PATH/TO/reclaim
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_init "${1:-}"
T=$E2E_TMP
ROOT="$T/root"
CLI=("$RECLAIM" --root "$ROOT")
mkarchive "$T/big.tar" 'tags=sig/big:1;seed=sig;size=8000000;layers=3'
half=$(( $(stat -c %s "$T/big.tar") / 2 ))

leases() { python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from leases").fetchone()[0])' "$ROOT/meta.db"; }

# interrupted_load SIGNAL: a load whose input stalls after half the archive.
interrupted_load() {
  local sig=$1 pid writer i
  rm -f "$T/pipe"
  mkfifo "$T/pipe"
  ( head -c "$half" "$T/big.tar"; exec sleep 30 ) >"$T/pipe" &
  writer=$!
  "${CLI[@]}" image load -i "$T/pipe" >"$T/load.out" 2>"$T/load.err" &
  pid=$!
  # Wait until the load has written something (its lease exists).
  for i in $(seq 1 100); do
    [ -f "$ROOT/meta.db" ] && [ "$(leases 2>/dev/null)" = 1 ] && break
    sleep 0.05
  done
  kill "-$sig" "$pid"
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "the load still runs 5 s after SIG$sig"
  wait "$pid"
  RC=$?
  kill "$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  ERR=$(cat "$T/load.err")
}

for sig in INT TERM; do
  t "SIG$sig during a load: exit 130, no image, no lease left"
  interrupted_load "$sig"
  expect_rc 130
  expect_err_has "Error: interrupted: no image was recorded"
  run "${CLI[@]}" image ls -q
  expect_out ""
  expect_eq "$(leases)" 0 "leases left"
done

t "system df, a dry run and fsck see what the interrupted loads left"
run "${CLI[@]}" system df
expect_rc 0
expect_out_matches '^Unreferenced content: [0-9.]+[kMG]?B \(left by interrupted loads, pulls or prunes; any prune reclaims it\)$'
left=$(printf '%s\n' "$OUT" | sed -n 's/^Unreferenced content: \([^ ]*\) .*/\1/p')
run "${CLI[@]}" image prune -a --dry-run
expect_rc 0
expect_out_has "Also reclaimable: $left that nothing references (left by interrupted loads, pulls or prunes)"
run "${CLI[@]}" fsck
expect_rc 0
expect_out_has "unreferenced: $left that no image, container or lease references (any prune or fsck --repair collects it)"

t "fsck --repair collects what the interrupted loads wrote"
run "${CLI[@]}" fsck --repair
expect_rc 0
expect_out_has "unreferenced: $left that no image, container or lease references (collected)"
expect_eq "$(find "$ROOT/blobs" -type f | wc -l)" 0 "blob files left"
run "${CLI[@]}" system df
expect_out_lacks_match '^Unreferenced content'

e2e_finish
