// How much of the --sync mpi gradient allreduce the bucketed reducer hides
// behind the backward pass, on this machine, in one run. Under mpirun:
//
//   mpirun -np N build/bench/overlap_bench small|paper BATCH STEPS [BUCKET_MB]
//
// Every rank trains the GET model on random [B, 200, 283] batches with a
// GradientReducer over MpiBucketCollective, measuring per step (median of
// STEPS rounds after a warm-up round):
//   backward   forward + backward alone (no sums)
//   after      forward + backward, then every bucket summed (--overlap off:
//              a blocking MPI_Allreduce per bucket)
//   overlap    forward + backward with buckets started from the hooks
//              (--overlap on: MPI_Iallreduce, progressed from the hooks)
//   allreduce  the sums alone: after - backward
// and reports hidden = (after - overlap) / allreduce, the share of the
// allreduce time taken off the step. The three are interleaved step by
// step, so that drifts of the machine touch each alike.
#include <mpi.h>
#include <torch/torch.h>
#include <cstdint>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "worker/gradient_reducer.h"
#include "worker/model/get_model.h"
#include "worker/mpi_bucket_collective.h"

namespace {

// One timed step on every rank; the slowest rank's seconds.
double Timed(const std::function<void()>& step) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = std::chrono::steady_clock::now();
  step();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return s;
}

double Median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 4) {
    if (rank == 0)
      std::fprintf(stderr,
                   "usage: mpirun -np N overlap_bench small|paper BATCH STEPS [BUCKET_MB]\n");
    MPI_Finalize();
    return 2;
  }
  const auto config = getps::GetModelConfig::Named(argv[1], 283);
  const std::int64_t batch = std::stoll(argv[2]);
  const int steps = std::stoi(argv[3]);
  const double bucket_mb = argc > 4 ? std::stod(argv[4]) : getps::kDefaultBucketMb;
  torch::manual_seed(rank);
  getps::GetModel model(config);
  model->train();
  std::vector<torch::Tensor> params;
  std::vector<std::string> names;
  for (const auto& item : model->named_parameters()) {
    params.push_back(item.value());
    names.push_back(item.key());
  }
  getps::MpiBucketCollective overlapping({MPI_COMM_WORLD, std::chrono::milliseconds(600000)});
  getps::MpiBucketCollective blocking({MPI_COMM_WORLD, std::chrono::milliseconds(600000), true});
  auto x = torch::rand({batch, 200, config.num_features});
  auto y = torch::rand({batch, 200, 2});
  auto backward = [&] {
    model->zero_grad();
    const auto out = model->forward(x).expression;
    torch::nn::functional::poisson_nll_loss(
        out, y, torch::nn::functional::PoissonNLLLossFuncOptions().log_input(false).eps(1e-8))
        .backward();
  };
  getps::GradientReducerOptions o;
  o.bucket_bytes = static_cast<std::int64_t>(bucket_mb * (1 << 20));
  o.overlap = false;
  getps::GradientReducer after_reducer(params, names, o, &blocking);
  o.overlap = true;
  getps::GradientReducer overlap_reducer(params, names, o, &overlapping);
  auto with = [&](getps::GradientReducer& reducer) {
    return [&] {
      reducer.ArmForFinalBackward();
      backward();
      reducer.Finish();
    };
  };
  // The three kinds of step interleaved (the same conditions for each),
  // after one warm-up round.
  std::vector<double> alone_s, after_s, overlap_s;
  for (int round = 0; round <= steps; ++round) {
    const double a = Timed(backward), b = Timed(with(after_reducer)),
                 c = Timed(with(overlap_reducer));
    if (round == 0) continue;
    alone_s.push_back(a);
    after_s.push_back(b);
    overlap_s.push_back(c);
  }
  const double alone = Median(alone_s), after = Median(after_s), overlapped = Median(overlap_s);
  const std::size_t buckets = after_reducer.buckets();
  if (rank == 0) {
    std::int64_t n = 0;
    for (const auto& p : params) n += p.numel();
    const double allreduce = after - alone;
    std::printf(
        "overlap: %d ranks, %s model (%lld fp32), batch %lld, %zu buckets of <= %.1f MiB\n"
        "  backward %.3f s, after %.3f s, overlap %.3f s per step; allreduce %.3f s, "
        "hidden %.0f %%\n",
        size, argv[1], static_cast<long long>(n), static_cast<long long>(batch), buckets, bucket_mb,
        alone, after, overlapped, allreduce,
        allreduce > 0 ? 100.0 * (after - overlapped) / allreduce : 0.0);
  }
  MPI_Finalize();
  return 0;
}
