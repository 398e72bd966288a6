// The parameter-server exchange over the MPI data plane (--data-plane mpi),
// the same bytes as exchange_bench: W workers each push a full gradient
// (fp32, the paper model's 85,486,366 parameters by default), cut into S
// equal slices, to S shards and pull the parameters back, through
// MpiTransfers (protocol/mpi_data_plane.h: non-blocking point-to-point
// from the tensors' own memory, bounded waits). Ranks 0..S-1 are the
// shards; each sums the pushes of a step and answers every worker. Run
// under mpirun:
//   mpirun -np S+W build/bench/mpi_exchange_bench S [STEPS] [PARAMETERS]
// Reports push+pull GB/s over all workers, as exchange_bench does.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "protocol/mpi_data_plane.h"

namespace {

using namespace getps;
constexpr std::chrono::milliseconds kWait{120000};

void Shard(MPI_Comm comm, int shards, int workers, std::size_t n, int step) {
  auto params = std::make_shared<std::vector<float>>(n, 0.5f);
  std::vector<std::shared_ptr<std::vector<float>>> pushes;
  MpiTransfers in(comm);
  for (int w = shards; w < shards + workers; ++w) {
    pushes.push_back(std::make_shared<std::vector<float>>(n));
    in.Receive(w, MpiDataTag(0, static_cast<std::uint64_t>(step)),
               {{pushes.back()->data(), n * sizeof(float)}}, pushes.back());
  }
  in.Wait(kWait, "the pushes");
  for (const auto& g : pushes)
    for (std::size_t i = 0; i < n; ++i) (*params)[i] -= 1e-6f * (*g)[i];
  MpiTransfers out(comm);
  for (int w = shards; w < shards + workers; ++w)
    out.Send(w, MpiDataTag(0, static_cast<std::uint64_t>(step)) + 1,
             {FloatFrame("values", params)});
  out.Wait(kWait, "the parameters");
}

// Pushes its gradient's slices to every shard, then pulls the slices'
// parameters (the order of ParameterShardLink::Exchange).
void Worker(MPI_Comm comm, int shards, std::size_t n, int step,
            const std::shared_ptr<std::vector<float>>& grad,
            const std::shared_ptr<std::vector<float>>& params) {
  const int tag = MpiDataTag(0, static_cast<std::uint64_t>(step));
  MpiTransfers sends(comm), receives(comm);
  for (int s = 0; s < shards; ++s) {
    TensorFrame slice = FloatFrame("values", grad);
    slice.data = grad->data() + static_cast<std::size_t>(s) * n;
    slice.bytes = n * sizeof(float);
    sends.Send(s, tag, {slice});
  }
  sends.Wait(kWait, "the pushes");
  for (int s = 0; s < shards; ++s)
    receives.Receive(s, tag + 1,
                     {{params->data() + static_cast<std::size_t>(s) * n, n * sizeof(float)}},
                     params);
  receives.Wait(kWait, "the parameters");
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int shards = argc > 1 ? std::stoi(argv[1]) : 1;
  if (shards < 1 || size <= shards) {
    std::fprintf(
        stderr,
        "usage: mpirun -np SHARDS+WORKERS mpi_exchange_bench SHARDS [STEPS] [PARAMETERS]\n");
    MPI_Finalize();
    return 2;
  }
  const int steps = argc > 2 ? std::stoi(argv[2]) : 3;
  const std::size_t total = argc > 3 ? std::stoull(argv[3]) : 85486366;
  const std::size_t n =
      (total + static_cast<std::size_t>(shards) - 1) / static_cast<std::size_t>(shards);
  const MpiDataPlane plane = OpenMpiDataPlane();
  const int workers = size - shards;
  auto grad = std::make_shared<std::vector<float>>(n * static_cast<std::size_t>(shards), 0.25f);
  auto params = std::make_shared<std::vector<float>>(n * static_cast<std::size_t>(shards));
  double t0 = 0;
  for (int step = 0; step <= steps; ++step) {  // step 0 warms up
    if (step == 1) {
      MPI_Barrier(plane.comm);
      t0 = MPI_Wtime();
    }
    if (rank < shards)
      Shard(plane.comm, shards, workers, n, step);
    else
      Worker(plane.comm, shards, n, step, grad, params);
  }
  MPI_Barrier(plane.comm);
  const double secs = MPI_Wtime() - t0;
  if (rank == 0) {
    const double bytes = 2.0 * static_cast<double>(n) * shards * sizeof(float) * workers * steps;
    std::printf(
        "MPI data plane: %d workers, %d shards, %zu fp32 parameters: %.3f s per step, %.2f GB/s "
        "push+pull (all workers), %.2f GB/s per worker\n",
        workers, shards, total, secs / steps, bytes / secs / 1e9, bytes / secs / 1e9 / workers);
  }
  MPI_Finalize();
  return 0;
}
