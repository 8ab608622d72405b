#!/usr/bin/env bash
# Installs boxoffice's build dependencies from Debian 12 packages, if missing.
set -euo pipefail
pkgs=(g++ cmake ninja-build libboost-dev libabsl-dev nlohmann-json3-dev
      libgtest-dev libgmock-dev libbenchmark-dev)
[[ "${BOXOFFICE_FUZZ:-0}" == 1 ]] && pkgs+=(clang libclang-rt-14-dev clang-format)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
