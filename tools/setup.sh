#!/usr/bin/env bash
# Installs what cohortsim needs (Debian 12 packages listed in tools/packages.txt) and
# builds it in ./build. Safe to run again: installs only what is missing, rebuilds only
# what changed.
#
#   tools/setup.sh [--werror] [--sanitize] [--build-dir DIR]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$here/build"
cmake_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --werror) cmake_options+=(-DCOHORTSIM_WERROR=ON) ;;
    --sanitize) cmake_options+=(-DCOHORTSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
    --build-dir) build_dir="$2"; shift ;;
    *) echo "setup.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

install_missing_packages() {
  local wanted missing=()
  wanted=$(grep -v -e '^#' -e '^$' "$here/tools/packages.txt")
  for package in $wanted; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "setup: missing packages (${missing[*]}) and no root or sudo;" \
        "see README.md, 'Building on a cluster without root'" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q >&2
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends \
    "${missing[@]}" >&2
}

install_missing_packages
cmake -S "$here" -B "$build_dir" "${cmake_options[@]}" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" >&2
