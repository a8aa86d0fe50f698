#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`) and runs each for a fixed time.
# Any crash, leak or sanitizer report makes the fuzzer exit non-zero, which fails this script.
#   scripts/fuzz.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzzers
corpus_root=$(mktemp -d)
trap 'rm -rf "$corpus_root"' EXIT
status=0
passed=0
failed=0
for f in build/fuzz/fuzz/*_fuzzer; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  mkdir -p "$corpus_root/$name"
  seeds="fuzz/corpus/${name%_fuzzer}"
  args=("$corpus_root/$name")
  [ -d "$seeds" ] && args+=("$seeds")
  echo "fuzz: $name for ${seconds}s"
  if ! "$f" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$corpus_root/$name-" "${args[@]}" 2>"$corpus_root/$name.log"; then
    echo "fuzz: $name FAILED" >&2
    tail -50 "$corpus_root/$name.log" >&2
    status=1
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$corpus_root/$name.log" | sed "s/^/fuzz: $name /"
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
