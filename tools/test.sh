#!/usr/bin/env bash
# The whole test suite: builds and tests the dev, asan and tsan presets,
# replays the shared example scenarios, and fails on any failure.
# Usage: bash tools/test.sh [preset ...]   (default: dev asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
presets=("$@")
((${#presets[@]})) || presets=(dev asan tsan)
jobs=$(nproc)
for p in "${presets[@]}"; do
  echo "=== preset $p ==="
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  ctest --preset "$p" -j "$jobs"
done
