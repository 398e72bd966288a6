#!/usr/bin/env bash
# Configures and builds getps (after launch/setup.sh): everything, or only the
# targets named as arguments. Used by test.sh and demo.sh; prints the build
# directory as its last line.
#   GETPS_BUILD_DIR   build directory (default: build, or build-asan)
#   GETPS_SANITIZE=1  AddressSanitizer + UndefinedBehaviorSanitizer build
#   GETPS_CMAKE_ARGS  extra CMake arguments (e.g. -DTorch_DIR=...)
#   GETPS_PYENV       Python environment from setup.sh (for the test oracles)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitize=${GETPS_SANITIZE:-0}
# ccache keys on relative paths below the clone, so every clone (CI's fresh
# ones included) shares one cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
# Precompiled headers (GETPS_PCH) are cached only with this sloppiness.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
suffix=""
if [ "$sanitize" = 1 ]; then suffix=-asan; fi
build=${GETPS_BUILD_DIR:-$root/build$suffix}
args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "$sanitize" = 1 ]; then args+=(-DGETPS_SANITIZE=ON); fi
if [ -n "${GETPS_PYENV:-}" ]; then
  args+=(-DGETPS_PYTHON="$GETPS_PYENV/bin/python" -DGETPS_PYENV="$GETPS_PYENV")
fi
# shellcheck disable=SC2206
if [ -n "${GETPS_CMAKE_ARGS:-}" ]; then args+=($GETPS_CMAKE_ARGS); fi
cmake "${args[@]}" >&2
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build" -j "$(nproc)" "${targets[@]}" >&2
echo "$build"
