#!/usr/bin/env bash
# The main job: installs the build dependencies (Debian 12), builds the
# release preset, replays the readable demo scenario with --echo so that the
# API is seen at work, then runs the on-sale harness for a few seconds on
# the lock-free engine and the reference engine side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target boxoffice-replay boxoffice-onsale
echo "=== boxoffice-replay --echo docs/examples/demo.jsonl ==="
build/release/tools/boxoffice-replay --echo docs/examples/demo.jsonl
echo
echo "=== boxoffice-onsale (a stadium on-sale, lock-free engine vs reference) ==="
build/release/bench/boxoffice-onsale --seconds "${ONSALE_SECONDS:-5}"
