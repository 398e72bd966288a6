#include "worker/get_model.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/torch.h>

#include "common/error.h"

namespace getps {

namespace F = torch::nn::functional;

GetModelConfig GetModelConfig::Paper(std::int64_t num_features) {
  GetModelConfig c;
  c.num_features = num_features;
  return c;
}

GetModelConfig GetModelConfig::Small(std::int64_t num_features) {
  GetModelConfig c;
  c.num_features = num_features;
  c.dim = 128;
  c.depth = 4;
  c.heads = 4;
  return c;
}

GetModelConfig GetModelConfig::Named(const std::string& name, std::int64_t num_features) {
  if (name == "paper") return Paper(num_features);
  if (name == "small") return Small(num_features);
  throw Error(ErrorCode::kInvalidArgument,
              "--model-size must be small or paper, not '" + name + "'");
}

GetBlockImpl::GetBlockImpl(const GetModelConfig& c, double drop_path)
    : heads_(c.heads), drop_path_(drop_path) {
  if (c.dim % c.heads != 0) {
    throw Error(ErrorCode::kInvalidArgument, "model dim " + std::to_string(c.dim) +
                                                 " is not a multiple of " +
                                                 std::to_string(c.heads) + " heads");
  }
  auto ln = torch::nn::LayerNormOptions({c.dim}).eps(1e-6);
  norm1_ = register_module("norm1", torch::nn::LayerNorm(ln));
  // Submodule names with dots are not allowed, so attention and MLP
  // parameters live in child modules "attn" and "mlp".
  auto attn = register_module("attn", std::make_shared<torch::nn::Module>());
  qkv_ = attn->register_module(
      "qkv", torch::nn::Linear(torch::nn::LinearOptions(c.dim, 3 * c.dim).bias(false)));
  q_bias_ = attn->register_parameter("q_bias", torch::zeros({c.dim}));
  v_bias_ = attn->register_parameter("v_bias", torch::zeros({c.dim}));
  proj_ = attn->register_module("proj", torch::nn::Linear(c.dim, c.dim));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(ln));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1_ = mlp->register_module("fc1", torch::nn::Linear(c.dim, c.mlp_ratio * c.dim));
  fc2_ = mlp->register_module("fc2", torch::nn::Linear(c.mlp_ratio * c.dim, c.dim));
}

torch::Tensor GetBlockImpl::Attention(const torch::Tensor& x) {
  const auto b = x.size(0), n = x.size(1), d = x.size(2), h = heads_;
  // k's bias is fixed at zero: only q and v carry one.
  auto bias = torch::cat(
      {q_bias_, torch::zeros_like(v_bias_, torch::TensorOptions().requires_grad(false)), v_bias_});
  auto qkv = F::linear(x, qkv_->weight, bias).reshape({b, n, 3, h, d / h}).permute({2, 0, 3, 1, 4});
  auto out = at::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], {}, 0.0, false,
                                              1.0 / std::sqrt(static_cast<double>(d / h)));
  return proj_(out.transpose(1, 2).reshape({b, n, d}));
}

torch::Tensor GetBlockImpl::DropPath(const torch::Tensor& x) {
  if (!is_training() || drop_path_ == 0.0) return x;
  const double keep = 1.0 - drop_path_;
  auto shape = std::vector<std::int64_t>{x.size(0)};
  shape.resize(static_cast<std::size_t>(x.dim()), 1);
  auto mask = torch::empty(shape, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

torch::Tensor GetBlockImpl::forward(const torch::Tensor& x) {
  auto y = x + DropPath(Attention(norm1_(x)));
  return y + DropPath(fc2_(F::gelu(fc1_(norm2_(y)), F::GELUFuncOptions().approximate("none"))));
}

GetModelImpl::GetModelImpl(const GetModelConfig& config) : config_(config) {
  auto region_embed = register_module("region_embed", std::make_shared<torch::nn::Module>());
  embed_ =
      region_embed->register_module("embed", torch::nn::Linear(config.num_features, config.dim));
  cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, config.dim}));
  mask_token_ = register_parameter("mask_token", torch::zeros({1, 1, config.dim}));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  blocks_ = encoder->register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config.depth; ++i) {
    const double dp = config.depth > 1 ? config.drop_path_max * static_cast<double>(i) /
                                             static_cast<double>(config.depth - 1)
                                       : 0.0;
    blocks_->push_back(GetBlock(config, dp));
  }
  norm_ = encoder->register_module(
      "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.dim}).eps(1e-6)));
  auto head_exp = register_module("head_exp", std::make_shared<torch::nn::Module>());
  head_exp_ = head_exp->register_module("head", torch::nn::Linear(config.dim, 2));
  head_atac_ = register_module("head_atac", torch::nn::Linear(config.dim, 1));
  head_mask_ = register_module("head_mask", torch::nn::Linear(config.dim, config.num_features));
  Initialise();
}

void GetModelImpl::Initialise() {
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* ln = m->as<torch::nn::LayerNorm>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
  cls_token_.zero_();
  // The reference's trunc_normal_(std=0.02) truncates at +-2 (absolute),
  // 100 standard deviations out: a normal draw is the same distribution.
  mask_token_.normal_(0.0, 0.02).clamp_(-2.0, 2.0);
}

GetOutputs GetModelImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, bool finetune,
                                 bool pretrain) {
  auto h = embed_(x);
  if (mask.defined()) {
    auto w = mask.unsqueeze(-1).to(h.dtype());
    h = h * (1 - w) + mask_token_.expand_as(h) * w;
  }
  h = torch::cat({cls_token_.expand({h.size(0), 1, h.size(2)}), h}, 1);
  for (auto& block : *blocks_) h = block->as<GetBlock>()->forward(h);
  h = norm_(h).slice(1, 1);  // drop the CLS position
  GetOutputs out;
  out.hidden = h;
  if (finetune) {
    out.expression = F::softplus(head_exp_(h));
    out.atac = F::softplus(head_atac_(h)).squeeze(-1);
  }
  if (pretrain) out.masked = head_mask_(h);
  return out;
}

std::int64_t GetModelImpl::NumParameters() const {
  std::int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace getps
