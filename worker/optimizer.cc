#include "worker/optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace getps {

std::unique_ptr<torch::optim::AdamW> MakeAdamW(torch::nn::Module& model,
                                               const OptimizerOptions& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad()) continue;
    const std::string& name = p.key();
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (p.value().dim() <= 1 || is_bias || name == "cls_token") {
      no_decay.push_back(p.value());
    } else {
      decay.push_back(p.value());
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto with_decay = std::make_unique<torch::optim::AdamWOptions>(o.lr);
  with_decay->weight_decay(o.weight_decay);
  auto without = std::make_unique<torch::optim::AdamWOptions>(o.lr);
  without->weight_decay(0.0);
  groups.emplace_back(decay, std::move(with_decay));
  groups.emplace_back(no_decay, std::move(without));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
}

double ScheduledLearningRate(const OptimizerOptions& o, std::int64_t step) {
  if (step < o.warmup_steps)
    return o.lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup_steps);
  const double span =
      static_cast<double>(std::max<std::int64_t>(1, o.total_steps - o.warmup_steps));
  const double t = std::min(1.0, static_cast<double>(step - o.warmup_steps) / span);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * t));
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace getps
