#include "worker/model/optimizer.h"

#include <torch/torch.h>
#include <cstdint>

#include <algorithm>
#include <cmath>

namespace getps {
namespace {

// AdamW whose step runs at::_fused_adamw_ over each parameter group. The
// per-parameter state is torch::optim::AdamW's own (exp_avg, exp_avg_sq,
// integer step), so save/load and a switch between fused and unfused runs
// keep working.
class FusedAdamW : public torch::optim::AdamW {
 public:
  using AdamW::AdamW;

  torch::Tensor step(LossClosure closure = nullptr) override {
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    for (auto& group : param_groups_) {
      const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
      TORCH_CHECK(!o.amsgrad(), "FusedAdamW: amsgrad is not supported");
      std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        auto& slot = state_[p.unsafeGetTensorImpl()];
        if (!slot) {
          auto fresh = std::make_unique<torch::optim::AdamWParamState>();
          fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          slot = std::move(fresh);
        }
        auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
        state.step(state.step() + 1);
        params.push_back(p);
        grads.push_back(p.grad());
        exp_avgs.push_back(state.exp_avg());
        exp_avg_sqs.push_back(state.exp_avg_sq());
        steps.push_back(
            torch::full({}, static_cast<double>(state.step()), p.options().dtype(torch::kFloat)));
      }
      if (params.empty()) continue;
      at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, o.lr(),
                        std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(),
                        /*amsgrad=*/false, /*maximize=*/false);
    }
    return loss;
  }
};

}  // namespace

std::unique_ptr<torch::optim::AdamW> MakeAdamW(const NamedTensors& parameters,
                                               const OptimizerOptions& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& [name, p] : parameters) {
    if (!p.requires_grad()) continue;
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (p.dim() <= 1 || is_bias || name == "cls_token") {
      no_decay.push_back(p);
    } else {
      decay.push_back(p);
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto with_decay = std::make_unique<torch::optim::AdamWOptions>(o.lr);
  with_decay->weight_decay(o.weight_decay);
  auto without = std::make_unique<torch::optim::AdamWOptions>(o.lr);
  without->weight_decay(0.0);
  groups.emplace_back(decay, std::move(with_decay));
  groups.emplace_back(no_decay, std::move(without));
  if (o.fused) return std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(o.lr));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
}

NamedTensors NamedParameters(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}

std::unique_ptr<torch::optim::AdamW> MakeAdamW(torch::nn::Module& model,
                                               const OptimizerOptions& o) {
  return MakeAdamW(NamedParameters(model), o);
}

double ScheduledLearningRate(const OptimizerOptions& o, std::int64_t step) {
  if (step < o.warmup_steps)
    return o.lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup_steps);
  const double span =
      static_cast<double>(std::max<std::int64_t>(1, o.total_steps - o.warmup_steps));
  const double t = std::min(1.0, static_cast<double>(step - o.warmup_steps) / span);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * t));
}

double GradientSquaredNorm(const NamedTensors& parameters) {
  double sum = 0;
  for (const auto& [name, p] : parameters)
    if (p.grad().defined()) sum += p.grad().to(torch::kDouble).square().sum().item<double>();
  return sum;
}

double ClipFactor(double max_norm, double squared_norm) {
  return std::min(1.0, max_norm / (std::sqrt(squared_norm) + 1e-6));
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace getps
