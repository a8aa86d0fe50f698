#!/usr/bin/env bash
# Sets up the machine, builds reclaim and passes every test.
#   scripts/test.sh            dev build: unit tests
#   scripts/test.sh asan       the same under ASan + UBSan
#   scripts/test.sh fuzz [S]   builds the libFuzzer targets and runs each for S seconds (default 60)
#   scripts/test.sh all [S]    dev, then asan, then fuzz S seconds each (default 30; what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-dev}

scripts/setup.sh

run_preset() {
  local preset=$1
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
}

case "$mode" in
  dev|asan|tsan|clang) run_preset "$mode" ;;
  fuzz) scripts/fuzz.sh "${2:-60}" ;;
  all)
    run_preset dev
    run_preset asan
    scripts/fuzz.sh "${2:-30}"
    ;;
  *) echo "usage: scripts/test.sh [dev|asan|tsan|clang|fuzz [seconds]|all]" >&2; exit 2 ;;
esac
