// MPI allreduce of a full gradient (fp32, the paper model's 85,486,366
// parameters by default), the --sync mpi exchange. Run under mpirun:
//   mpirun -np N build/bench/allreduce_bench [STEPS] [PARAMETERS] [BUCKETS]
// Reports algorithm bandwidth (gradient bytes / time) and bus bandwidth
// (x 2(N-1)/N, what each rank moves in a ring); with BUCKETS, also the
// gradient summed as that many equal buckets, by blocking MPI_Allreduce
// and by MPI_Iallreduce + MPI_Waitall (the two ways of MpiBucketCollective).
#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int steps = argc > 1 ? std::stoi(argv[1]) : 3;
  const std::size_t n = argc > 2 ? std::stoull(argv[2]) : 85486366;
  std::vector<float> grad(n, 1.0f);
  MPI_Allreduce(MPI_IN_PLACE, grad.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  for (int s = 0; s < steps; ++s)
    MPI_Allreduce(MPI_IN_PLACE, grad.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
  const double secs = (MPI_Wtime() - t0) / steps;
  if (rank == 0) {
    const double bytes = static_cast<double>(n) * sizeof(float);
    std::printf(
        "allreduce: %d ranks, %zu fp32: %.3f s per step, algbw %.2f GB/s, busbw %.2f GB/s\n", size,
        n, secs, bytes / secs / 1e9, bytes / secs / 1e9 * 2.0 * (size - 1) / size);
  }
  const std::size_t buckets = argc > 3 ? std::stoull(argv[3]) : 0;
  if (buckets > 0) {
    const std::size_t per = n / buckets;
    double blocking = 0, nonblocking = 0;
    for (int s = 0; s < steps; ++s) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t = MPI_Wtime();
      for (std::size_t k = 0; k < buckets; ++k)
        MPI_Allreduce(MPI_IN_PLACE, grad.data() + k * per, static_cast<int>(per), MPI_FLOAT,
                      MPI_SUM, MPI_COMM_WORLD);
      blocking += MPI_Wtime() - t;
      MPI_Barrier(MPI_COMM_WORLD);
      t = MPI_Wtime();
      std::vector<MPI_Request> requests(buckets);
      for (std::size_t k = 0; k < buckets; ++k)
        MPI_Iallreduce(MPI_IN_PLACE, grad.data() + k * per, static_cast<int>(per), MPI_FLOAT,
                       MPI_SUM, MPI_COMM_WORLD, &requests[k]);
      MPI_Waitall(static_cast<int>(buckets), requests.data(), MPI_STATUSES_IGNORE);
      nonblocking += MPI_Wtime() - t;
    }
    if (rank == 0)
      std::printf("%zu buckets: blocking MPI_Allreduce %.3f s, MPI_Iallreduce + Waitall %.3f s\n",
                  buckets, blocking / steps, nonblocking / steps);
  }
  MPI_Finalize();
  return 0;
}
