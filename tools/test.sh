#!/usr/bin/env bash
# The whole test suite: builds and tests the dev, asan and tsan presets,
# replays the shared example scenarios with the real tool, and fails on any
# failure. Usage: bash tools/test.sh [preset ...]   (default: dev asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
presets=("$@")
((${#presets[@]})) || presets=(dev asan tsan)
jobs=$(nproc)
examples=../shared/examples
for p in "${presets[@]}"; do
  echo "=== preset $p: build ==="
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  # The reference pages' flows through boxoffice-replay (ctest runs them
  # too; here each one shows in the log by name).
  if [[ -d "$examples" && -x build/$p/tools/boxoffice-replay ]]; then
    for f in "$examples"/*.jsonl; do
      echo "=== preset $p: replay $f ==="
      "build/$p/tools/boxoffice-replay" --quiet "$f"
    done
  fi
  echo "=== preset $p: ctest ==="
  ctest --preset "$p" -j "$jobs"
done
