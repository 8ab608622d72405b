#!/usr/bin/env bash
# Builds the libFuzzer target over the JSON adapter (clang, `fuzz` preset:
# -fsanitize=fuzzer,address,undefined) and runs it for [seconds] (default 60)
# on one worker, from the seed corpus and the JSON dictionary. New inputs go
# to build/fuzz/corpus (the seeds in tests/fuzz/corpus stay as committed);
# crashes are written to build/fuzz/artifacts and fail the run.
#   tools/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target adapter_fuzzer -j2
mkdir -p build/fuzz/corpus build/fuzz/artifacts
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  build/fuzz/tests/fuzz/adapter_fuzzer \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -dict=tests/fuzz/json.dict -artifact_prefix=build/fuzz/artifacts/ \
    build/fuzz/corpus tests/fuzz/corpus
