#!/usr/bin/env bash
# Sets up the machine, builds reclaim (release) and runs it on its embedded store.
#   scripts/run.sh [reclaim arguments...]     (default: --help)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target reclaim
bin=build/release/src/apps/reclaim/reclaim
"$bin" --version
if [ $# -eq 0 ]; then exec "$bin" --help; fi
exec "$bin" "$@"
