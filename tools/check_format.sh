#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the root
# .clang-format, Google style) would write, naming each such file.
# Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-formatted: $f"
    bad=1
  fi
done < <(git ls-files '*.cc' '*.h')
exit "$bad"
