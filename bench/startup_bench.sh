#!/usr/bin/env bash
# Process start of the two binaries (launch/subcommands.h): getps (no
# LibTorch, CUDA or MPI) against getps-model, and the cost of getps handing a
# model command to getps-model (execv). Mean wall time of back-to-back runs,
# and the peak memory of one.
#   bench/startup_bench.sh [BUILD_DIR]   (default: build/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$root/build}/launch
echo "machine: $(lscpu | sed -n 's/^Model name: *//p') ($(getconf _NPROCESSORS_ONLN) cores)"
# mean RUNS COMMAND...: the mean wall milliseconds of RUNS runs.
mean() {
  local runs=$1
  shift
  local start end
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v n="$runs" -v c="$*" 'BEGIN {printf "%-44s %8.1f ms per run (%d runs)\n", c, ns / n / 1e6, n}'
}
mean 20 "$bin/getps" --version
mean 20 "$bin/getps-model" --version
mean 10 "$bin/getps" train --help
mean 10 "$bin/getps-model" train --help
for b in getps getps-model; do
  /usr/bin/time -f "$b --version: peak memory %M KB" "$bin/$b" --version >/dev/null
done
