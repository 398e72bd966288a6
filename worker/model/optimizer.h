// The training optimiser of the design (section 6): AdamW with weight decay
// on weight matrices only (no decay on 1-D parameters, biases and
// cls_token), and a per-step cosine schedule with linear warmup.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>
#include <cstdint>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace getps {

struct OptimizerOptions {
  double lr = 1e-3;  // already scaled by global batch / 256 by the caller
  double min_lr = 1e-6;
  double weight_decay = 0.05;
  std::int64_t warmup_steps = 100;
  std::int64_t total_steps = 1000;
  // One fused kernel per parameter group (at::_fused_adamw_, as
  // torch.optim.AdamW(fused=True)) instead of a handful of ops per tensor.
  // Same update and the same state (so the same optimizer.pt); the trainer
  // turns it on for CUDA.
  bool fused = false;
};

// Two parameter groups: decayed (matrices) and not (1-D, biases,
// cls_token). Frozen parameters (requires_grad false) are left out. With
// options.fused the returned optimizer's step() is the fused one.
std::unique_ptr<torch::optim::AdamW> MakeAdamW(torch::nn::Module& model,
                                               const OptimizerOptions& options);

// The same over named tensors (a parameter server shard's slice of the
// model): the groups go by name and shape as above.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;
NamedTensors NamedParameters(const torch::nn::Module& module);  // sharing storage
std::unique_ptr<torch::optim::AdamW> MakeAdamW(const NamedTensors& parameters,
                                               const OptimizerOptions& options);

// Learning rate at `step` (0-based): linear warmup to lr, then cosine decay
// to min_lr at total_steps.
double ScheduledLearningRate(const OptimizerOptions& options, std::int64_t step);

// The sum of squares of the gradients of `parameters` (those that have
// one), in double: a gradient norm, or a parameter server shard's part of
// it.
double GradientSquaredNorm(const NamedTensors& parameters);

// The factor torch::nn::utils::clip_grad_norm_ scales gradients by to clip
// them to `max_norm`, for gradients whose squared norm is `squared_norm`.
double ClipFactor(double max_norm, double squared_norm);

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace getps
