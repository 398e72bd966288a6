// RegionModel: what the trainer trains — the GET model, or the paper's MLP
// baseline (per region: F -> 512 -> 256 -> 2, ReLU, softplus; it sees no
// other region and has no pretraining head).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "worker/model/get_model.h"

namespace getps {

class RegionModel {
 public:
  virtual ~RegionModel() = default;
  virtual GetOutputs Forward(const torch::Tensor& x, const torch::Tensor& mask, bool finetune,
                             bool pretrain) = 0;
  virtual torch::nn::Module& module() = 0;
  virtual bool can_pretrain() const = 0;
  // LoRA (GET only; the MLP throws Error(kInvalidArgument)).
  virtual std::vector<std::string> AddLora(const LoraOptions& options) = 0;
  virtual void MergeLora() = 0;
};

// GET (config used) or the MLP (config.num_features used).
std::unique_ptr<RegionModel> MakeRegionModel(ModelKind kind, const GetModelConfig& config);

// Adds LoRA adapters to the Linear layers matching `lora.pattern` and
// freezes every other parameter except those matching `trainable` (a
// regex; empty: none). Returns the adapted layers' names.
std::vector<std::string> AdaptWithLora(RegionModel& model, const LoraOptions& lora,
                                       const std::string& trainable);

}  // namespace getps
