#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a tested build: installs what
# is missing (launch/setup.sh), builds (launch/build.sh) and runs the whole
# test suite with ctest. Extra arguments go to ctest (e.g. -R Store).
#   GETPS_SANITIZE=1 launch/test.sh   the same under ASan + UBSan
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
setup_out=$(bash "$root/launch/setup.sh")
GETPS_PYENV=$(printf '%s\n' "$setup_out" | sed -n 's/^GETPS_PYENV=//p')
export GETPS_PYENV
build=$(bash "$root/launch/build.sh" | tail -n 1)
cd "$build"
exec ctest -j "$(nproc)" --output-on-failure --timeout 900 "$@"
