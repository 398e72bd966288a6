#include "worker/variant_scorer.h"

#include <torch/torch.h>
#include <cstdint>

#include <algorithm>
#include <unordered_map>

#include "storage/genotype_overlay.h"
#include "worker/attribution.h"
#include "worker/batch_tensors.h"

namespace getps {

VariantScorer::VariantScorer(RegionModel& model, const StoreReader& store, torch::Device device,
                             VariantScorerOptions options)
    : model_(model),
      store_(store),
      device_(device),
      options_(options),
      assembler_(store, {kRegionsPerWindow, options.atac}) {}

std::vector<AlleleEffect> VariantScorer::Score(const GeneTask& task,
                                               const std::vector<AlleleChange>& changes) {
  const Window& window = task.window.window;
  assembler_.Assemble(std::span<const Window>(&window, 1), &batch_);
  const AttributionTarget target{task.window.row, task.gene.strand == '+' ? 0 : 1};
  const auto reference = CopyBatch(batch_, device_).features;
  AttributionOptions grad_only;
  grad_only.method = AttributionMethod::kGrad;
  const auto a = Attribute(model_, reference, {target}, grad_only);
  const auto grad = a.input_grad.to(torch::kCPU).contiguous();
  const float* g = grad.data_ptr<float>();

  const std::size_t w = batch_.window_size, f = batch_.num_features;
  std::unordered_map<std::uint32_t, std::size_t> row_of;
  for (std::size_t r = 0; r < w; ++r) row_of[batch_.region_ids[r]] = r;

  // Each forward pass carries the reference window in slot 0, so an
  // allele's alt - ref compares two rows of one pass (bit for bit the same
  // arithmetic where the windows are the same).
  std::vector<AlleleEffect> effects(changes.size());
  const std::size_t step = std::max<std::size_t>(1, options_.batch_size);
  std::vector<float> windows;
  torch::NoGradGuard no_grad;
  for (std::size_t first = 0; first < changes.size(); first += step) {
    const std::size_t n = std::min(step, changes.size() - first);
    windows.resize((n + 1) * w * f);
    std::copy(batch_.features.begin(), batch_.features.begin() + w * f, windows.begin());
    for (std::size_t i = 0; i < n; ++i) {
      float* x = windows.data() + (i + 1) * w * f;
      std::copy(batch_.features.begin(), batch_.features.begin() + w * f, x);
      double estimate = 0;
      for (const auto& [region, delta] : changes[first + i].regions) {
        const auto it = row_of.find(region);
        if (it == row_of.end()) continue;
        float* row = x + it->second * f;
        ApplyRowDelta(store_, window, region, *delta, row);
        const float* before = batch_.features.data() + it->second * f;
        for (const std::uint16_t j : delta->features)
          estimate += static_cast<double>(g[it->second * f + j]) * (row[j] - before[j]);
      }
      effects[first + i].grad_x_delta = static_cast<float>(estimate);
    }
    const auto x = torch::from_blob(windows.data(),
                                    {static_cast<std::int64_t>(n + 1), static_cast<std::int64_t>(w),
                                     static_cast<std::int64_t>(f)},
                                    torch::kFloat32)
                       .to(device_);
    const auto out = model_.Forward(x, {});
    const auto e = (model_.task() == RegionTask::kExpression
                        ? out.expression.select(1, target.row).select(1, target.strand)
                        : out.accessibility.select(1, target.row))
                       .to(torch::kCPU)
                       .contiguous();
    const float* values = e.data_ptr<float>();
    for (std::size_t i = 0; i < n; ++i) {
      effects[first + i].ref = values[0];
      effects[first + i].alt = values[i + 1];
    }
  }
  return effects;
}

}  // namespace getps
