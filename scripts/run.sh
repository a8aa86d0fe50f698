#!/usr/bin/env bash
# Sets up the machine, builds reclaim (release) and runs `reclaim serve` on its
# embedded store, printing the DOCKER_HOST line to use. Stop it with Ctrl-C.
#   scripts/run.sh                      serve on the default root and socket
#   scripts/run.sh [reclaim arguments]  anything else, e.g. `image ls`
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target reclaim
bin=build/release/src/apps/reclaim/reclaim
if [ $# -eq 0 ]; then exec "$bin" serve; fi
exec "$bin" "$@"
