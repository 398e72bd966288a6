// Attribution benchmark of worker/attribution.h: genes explained per second
// (one gene = one window of 200 regions x 283 features, its output's
// input x gradient and region-embedding Jacobian norm) on random windows
// whose motif columns are zero with probability 1 - DENSITY, and the cost of
// --method ism for one gene relative to one gene's backward pass. The
// PyTorch reference (bench/explain_bench.py) times the same model, batch and
// gradients.
//
//   explain_bench small|paper BATCH REPS [cpu|cuda] [DENSITY] [ISM_GENES]
//
// Prints one line per figure: genes/s (input-x-grad), and with ISM_GENES > 0
// the ism seconds per gene and its ratio to a backward pass.
#include <torch/torch.h>
#include <cstdint>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "worker/attribution.h"
#include "worker/model/region_model.h"

namespace {

double SecondsFor(std::int64_t n, const std::function<void()>& f, bool cuda, bool warm_up = true) {
  if (warm_up) f();
  if (cuda) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < n; ++i) f();
  if (cuda) torch::cuda::synchronize();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: explain_bench small|paper BATCH REPS [cpu|cuda] [DENSITY] [ISM_GENES]\n");
    return 2;
  }
  const std::string size = argv[1];
  const std::int64_t batch = std::stoll(argv[2]), reps = std::stoll(argv[3]);
  const torch::Device device(argc > 4 ? argv[4] : "cpu");
  const double density = argc > 5 ? std::stod(argv[5]) : 0.3;
  const std::int64_t ism_genes = argc > 6 ? std::stoll(argv[6]) : 0;
  torch::manual_seed(0);
  auto model =
      getps::MakeRegionModel(getps::ModelKind::kGet, getps::GetModelConfig::Named(size, 283));
  model->module().eval();
  model->module().to(device);
  auto x = torch::rand({batch, 200, 283});
  x.narrow(2, 0, 282).mul_((torch::rand({batch, 200, 282}) < density).to(torch::kFloat));
  x = x.to(device);
  std::vector<getps::AttributionTarget> targets;
  for (std::int64_t g = 0; g < batch; ++g) targets.push_back({100, static_cast<int>(g % 2)});
  const bool cuda = device.is_cuda();
  const double secs = SecondsFor(
      reps, [&] { (void)getps::Attribute(*model, x, targets, {}); }, cuda);
  const double per_gene = secs / static_cast<double>(reps * batch);
  std::printf("explain_bench %s batch %lld %s input-x-grad: %.2f genes/s (%.4f s per gene)\n",
              size.c_str(), static_cast<long long>(batch), device.str().c_str(), 1.0 / per_gene,
              per_gene);
  if (ism_genes > 0) {
    const auto one = x.narrow(0, 0, ism_genes);
    const std::vector<getps::AttributionTarget> few(targets.begin(), targets.begin() + ism_genes);
    const double ism = SecondsFor(
        1, [&] { (void)getps::Attribute(*model, one, few, {getps::AttributionMethod::kIsm}); },
        cuda, /*warm_up=*/false);
    const double ism_per_gene = ism / static_cast<double>(ism_genes);
    std::printf(
        "explain_bench %s %s ism: %.3f s per gene (%lld non-zero entries per window), "
        "%.0f x a gene's input-x-grad\n",
        size.c_str(), device.str().c_str(), ism_per_gene,
        static_cast<long long>(one.ne(0).sum().item<std::int64_t>() / ism_genes),
        ism_per_gene / per_gene);
  }
  return 0;
}
