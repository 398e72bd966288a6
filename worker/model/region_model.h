// RegionModel: what the trainer trains — the GET model, or the paper's MLP
// baseline (the reference's MLPRegionFinetune: per region linear1 F -> 512,
// linear2 512 -> 256, linear3 256 -> 2 (1 for accessibility), ReLU,
// softplus; it sees no other region and has no pretraining head).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "worker/model/get_model.h"

namespace getps {

class RegionModel {
 public:
  virtual ~RegionModel() = default;
  // The task's head on `x` [B, R, F]; `mask` [B, R] only when pretraining.
  virtual GetOutputs Forward(const torch::Tensor& x, const torch::Tensor& mask) = 0;
  virtual torch::nn::Module& module() = 0;
  virtual RegionTask task() const = 0;
  // Whether the parameter `name` belongs to a head (or pretraining's
  // mask_token): what a model of another task has or lacks.
  virtual bool IsHead(const std::string& name) const = 0;
  // LoRA (GET only; the MLP throws Error(kInvalidArgument)).
  virtual std::vector<std::string> AddLora(const LoraOptions& options) = 0;
  virtual void MergeLora() = 0;
};

// GET (config used) or the MLP (config.num_features and config.task used;
// it cannot pretrain: Error(kInvalidArgument)).
std::unique_ptr<RegionModel> MakeRegionModel(ModelKind kind, const GetModelConfig& config);

// Adds LoRA adapters to the Linear layers matching `lora.pattern` and
// freezes every other parameter except those matching `trainable` (a
// regex; empty: none). Returns the adapted layers' names.
std::vector<std::string> AdaptWithLora(RegionModel& model, const LoraOptions& lora,
                                       const std::string& trainable);

}  // namespace getps
