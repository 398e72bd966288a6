#include "worker/gene_explainer.h"

#include <torch/torch.h>
#include <cstdint>

#include <cmath>

#include "worker/batch_tensors.h"

namespace getps {

std::int64_t DistanceToTss(const GeneRecord& gene, std::uint32_t start, std::uint32_t end) {
  const auto tss = static_cast<std::int64_t>(gene.tss);
  std::int64_t d = 0;
  if (tss < start) d = static_cast<std::int64_t>(start) - tss;
  if (tss >= end) d = static_cast<std::int64_t>(end) - 1 - tss;
  return gene.strand == '-' ? -d : d;
}

GeneExplainer::GeneExplainer(RegionModel& model, const StoreReader& store, torch::Device device,
                             GeneExplainerOptions options)
    : model_(model),
      store_(store),
      device_(device),
      options_(options),
      assembler_(store, {kRegionsPerWindow, options.atac}) {}

GeneExplanations GeneExplainer::Explain(const std::vector<GeneTask>& tasks) {
  const std::size_t step = std::max<std::size_t>(1, options_.batch_size);
  std::vector<GeneExplanations> parts;
  for (std::size_t first = 0; first < tasks.size(); first += step)
    parts.push_back(ExplainBatch(tasks, first, std::min(step, tasks.size() - first)));
  GeneExplanations all;
  if (parts.empty()) {
    const auto f = static_cast<std::int64_t>(store_.num_motifs() + 1);
    all.output = torch::zeros({0});
    all.motif = torch::zeros({0, f});
    all.region_norm = torch::zeros({0, kRegionsPerWindow});
    all.score = torch::zeros({0, kRegionsPerWindow});
    all.region_ids = torch::zeros({0, kRegionsPerWindow}, torch::kLong);
    return all;
  }
  auto gather = [&](auto member) {
    std::vector<torch::Tensor> ts;
    for (const auto& p : parts) ts.push_back(p.*member);
    return torch::cat(ts);
  };
  all.output = gather(&GeneExplanations::output);
  all.motif = gather(&GeneExplanations::motif);
  all.region_norm = gather(&GeneExplanations::region_norm);
  all.score = gather(&GeneExplanations::score);
  all.region_ids = gather(&GeneExplanations::region_ids);
  return all;
}

GeneExplanations GeneExplainer::ExplainBatch(const std::vector<GeneTask>& tasks, std::size_t first,
                                             std::size_t n) {
  std::vector<Window> windows;
  std::vector<AttributionTarget> targets;
  for (std::size_t i = first; i < first + n; ++i) {
    windows.push_back(tasks[i].window.window);
    targets.push_back({tasks[i].window.row, tasks[i].gene.strand == '+' ? 0 : 1});
  }
  assembler_.Assemble(windows, &batch_);
  const auto tensors = CopyBatch(batch_, device_);
  const auto a = Attribute(model_, tensors.features, targets, options_.attribution);

  GeneExplanations e;
  e.output = a.output.to(torch::kCPU);
  e.motif = a.motif.to(torch::kCPU);
  const auto norm = a.region_norm.to(torch::kCPU);
  const auto largest = std::get<0>(norm.max(1, /*keepdim=*/true));
  e.region_norm = norm / torch::clamp_min(largest, 1e-30);
  e.region_ids = tensors.region_ids.to(torch::kCPU);

  // The distance prior per region, then the sum-normalised score.
  auto prior = torch::ones_like(e.region_norm);
  if (options_.prior == DistancePrior::kPowerLaw) {
    auto* p = prior.data_ptr<float>();
    const auto* ids = e.region_ids.data_ptr<std::int64_t>();
    const auto& regions = store_.regions();
    for (std::size_t g = 0; g < n; ++g) {
      for (std::uint32_t r = 0; r < kRegionsPerWindow; ++r) {
        const auto id = static_cast<std::uint32_t>(ids[g * kRegionsPerWindow + r]);
        const auto d = DistanceToTss(tasks[first + g].gene, regions.start(id), regions.end(id));
        p[g * kRegionsPerWindow + r] =
            static_cast<float>(1.0 / (1.0 + std::abs(static_cast<double>(d)) / kPowerLawScale));
      }
    }
  }
  const auto atac = tensors.atac.to(torch::kCPU);
  const auto raw = e.region_norm * atac * prior;
  e.score = raw / torch::clamp_min(raw.sum(1, /*keepdim=*/true), 1e-30);
  return e;
}

}  // namespace getps
