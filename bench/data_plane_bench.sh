#!/usr/bin/env bash
# The parameter server's data planes side by side, in one run (issue 17):
# the full 85,486,366-parameter fp32 push + pull for 1, 2 and 4 workers x 1
# and 2 shards over the MPI data plane (mpi_exchange_bench: MpiTransfers
# between ranks) and over ZeroMQ + CURVE (exchange_bench: the control
# channel, one stream per worker and shard), beside MPI allreduce of the
# same bytes at the same rank counts (allreduce_bench: the --sync mpi
# exchange). Prints each tool's line; the table in docs/benchmarks.md is
# made from them.
#   bash bench/data_plane_bench.sh BUILD_DIR [STEPS]
set -euo pipefail
build=${1:?usage: data_plane_bench.sh BUILD_DIR [STEPS]}
steps=${2:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
mpi=(mpirun --oversubscribe --bind-to none)
echo "== $(getconf _NPROCESSORS_ONLN) cores, $(date -u +%F), $steps timed steps after one warm-up"
for shards in 1 2; do
  for workers in 1 2 4; do
    "${mpi[@]}" -np $((shards + workers)) "$build/bench/mpi_exchange_bench" "$shards" "$steps"
    "$build/bench/exchange_bench" "$workers" "$shards" "$steps"
  done
done
for ranks in 2 3 4 5 6; do
  "${mpi[@]}" -np "$ranks" "$build/bench/allreduce_bench" "$steps"
done
"$build/bench/exchange_bench" raw plain "$steps"
"$build/bench/exchange_bench" raw curve "$steps"
