// GetModel: the GET region model (Fu et al., Nature 2025) in LibTorch, with
// the reference implementation's parameter names, so state dicts move
// between this code and PyTorch unchanged (see state_dict.h).
//
//   x [B, R, F] -> region_embed.embed (Linear F -> D)
//     -> prepend cls_token (zeros) -> encoder.blocks.0..L-1 -> encoder.norm
//     -> drop the CLS position -> h [B, R, D]
//   block: x + drop_path(attn(norm1(x))); x + drop_path(mlp(norm2(x)))
//     attn: qkv Linear(D -> 3D, no bias) + q_bias, v_bias (k bias fixed 0),
//           H heads, scale 1/sqrt(D/H), fused scaled-dot-product attention,
//           proj Linear(D -> D)
//     mlp:  fc1 Linear(D -> 4D), exact GELU, fc2 Linear(4D -> D)
//     LayerNorm eps 1e-6; drop path linspace(0, drop_path_max) over blocks
//   heads, by task (config.task), exactly those of the reference's class:
//     pretrain (GETRegionPretrain): mask_token (replaces the embedded
//       regions where the mask is set) and head_mask Linear(D -> F)
//     expression (GETRegionFinetune): head_exp.head Linear(D -> 2) +
//       softplus (expression per strand)
//     atac (GETRegionFinetuneATAC): head_exp.head Linear(D -> 1) + softplus
//       (accessibility; the input's accessibility column is 1)
//   so a state dict holds the reference class's keys and nothing else.
// Init: xavier-uniform weights and zero biases for every Linear, LayerNorm
// 1/0, cls_token 0, mask_token trunc-normal(0.02), drawn in an order that
// does not depend on the task (the same seed gives every task the same
// encoder and the same head values). No positional encoding.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <cstdint>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "worker/model/train_options.h"

namespace getps {

struct GetModelConfig {
  std::int64_t num_features = 283;  // F: motif columns + accessibility
  std::int64_t dim = 768;           // D
  std::int64_t depth = 12;          // L
  std::int64_t heads = 12;          // H
  std::int64_t mlp_ratio = 4;
  double drop_path_max = 0.1;
  RegionTask task = RegionTask::kExpression;  // which heads

  static GetModelConfig Paper(std::int64_t num_features = 283);
  // A small configuration for CPU tests and the demo (D 128, L 4, H 4).
  static GetModelConfig Small(std::int64_t num_features = 283);
  static GetModelConfig Of(ModelSize size, std::int64_t num_features);
  // "paper" or "small"; throws Error(kInvalidArgument) otherwise.
  static GetModelConfig Named(const std::string& name, std::int64_t num_features);
};

// LoRA adapters (Hu et al. 2021) on the Linear layers whose dotted names
// match `pattern`: y = W x + b + (alpha / rank) B A x, A [rank, in]
// Kaiming-uniform, B [out, rank] zero, so a fresh adapter changes nothing.
// The adapters are parameters named <layer>.lora_A / <layer>.lora_B.
struct LoraOptions {
  std::string pattern = "attn\\.(qkv|proj)$";
  std::int64_t rank = 8;
  double alpha = 1.0;
};

// Each adapted layer's adapter, shared by the model and its blocks. The
// tensors are handles of the registered parameters (Module::to and copy_
// keep them the same objects), so the forward needs no name lookup.
struct LoraRegistry {
  struct Adapter {
    torch::Tensor weight;  // the layer's own weight (merged into)
    torch::Tensor a, b;    // the registered lora_A / lora_B parameters
    double scale = 0;      // alpha / rank
  };
  std::map<const torch::nn::Module*, Adapter> adapters;
};

// A forward pass's outputs: the encoder's states and the task's head.
struct GetOutputs {
  torch::Tensor embedded;       // [B, R, D] region_embed's output (the MLP: linear1's)
  torch::Tensor hidden;         // [B, R, D]
  torch::Tensor expression;     // [B, R, 2]  (expression)
  torch::Tensor accessibility;  // [B, R]     (atac)
  torch::Tensor masked;         // [B, R, F]  (pretrain)
};

class GetBlockImpl : public torch::nn::Module {
 public:
  GetBlockImpl(const GetModelConfig& c, double drop_path, std::shared_ptr<const LoraRegistry> lora);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::Tensor Attention(const torch::Tensor& x);
  torch::Tensor DropPath(const torch::Tensor& x);

  std::int64_t heads_;
  double drop_path_;
  std::shared_ptr<const LoraRegistry> lora_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, fc1_{nullptr}, fc2_{nullptr};
  torch::Tensor q_bias_, v_bias_;
};
TORCH_MODULE(GetBlock);

class GetModelImpl : public torch::nn::Module {
 public:
  explicit GetModelImpl(const GetModelConfig& config);

  // `mask` [B, R] (bool; empty: none) marks regions replaced by mask_token
  // (pretraining models only). The output of the task's head is set.
  GetOutputs forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  const GetModelConfig& config() const { return config_; }
  std::int64_t NumParameters() const;

  // Adds adapters to the matching layers (none matching: Error
  // kInvalidArgument) and returns their names.
  std::vector<std::string> AddLora(const LoraOptions& options);
  // Folds every adapter into its layer's weight and removes the adapters:
  // the outputs do not change, the state dict is the reference's again.
  void MergeLora();

 private:
  void Initialise();

  GetModelConfig config_;
  std::shared_ptr<LoraRegistry> lora_ = std::make_shared<LoraRegistry>();
  torch::nn::Linear embed_{nullptr};
  torch::Tensor cls_token_, mask_token_;
  torch::nn::ModuleList blocks_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};  // head_exp.head or head_mask
};
TORCH_MODULE(GetModel);

}  // namespace getps

namespace getps {

// Sets requires_grad false on every parameter whose dotted name matches
// `pattern` (ECMAScript regex, searched); returns how many.
std::size_t FreezeParameters(torch::nn::Module& module, const std::string& pattern);

}  // namespace getps
