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
if [ "${GETPS_SANITIZE:-0}" = 1 ]; then
  # OpenMPI's own leaks (tests/lsan.supp says which and why) are matched by
  # library name, which needs full stacks in MPI ranks: slow unwinding there
  # only (OpenMPI sets mca_base_env_list in every rank it starts).
  export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export OMPI_MCA_mca_base_env_list="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
  export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  for s in "$(command -v llvm-symbolizer || true)" /usr/lib/llvm-14/bin/llvm-symbolizer; do
    if [ -x "$s" ]; then export ASAN_SYMBOLIZER_PATH=$s; break; fi
  done
fi
cd "$build"
exec ctest -j "$(nproc)" --output-on-failure --timeout 900 "$@"
