#include "worker/model/get_model.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/torch.h>
#include <cstdint>

#include "common/error.h"

#include <cmath>
#include <regex>

namespace getps {

namespace F = torch::nn::functional;

namespace {

// Every Linear of the model runs through here, so adapters apply wherever
// they were added.
torch::Tensor Linear(const torch::nn::Linear& l, const torch::Tensor& x, const LoraRegistry& lora,
                     const torch::Tensor& bias) {
  auto y = F::linear(x, l->weight, bias);
  auto it = lora.adapters.find(l.get());
  if (it == lora.adapters.end()) return y;
  const LoraRegistry::Adapter& ad = it->second;
  return y + F::linear(F::linear(x, ad.a), ad.b) * ad.scale;
}

torch::Tensor Linear(const torch::nn::Linear& l, const torch::Tensor& x, const LoraRegistry& lora) {
  return Linear(l, x, lora, l->bias);
}

}  // namespace

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

GetModelConfig GetModelConfig::Of(ModelSize size, std::int64_t num_features) {
  return size == ModelSize::kPaper ? Paper(num_features) : Small(num_features);
}

GetModelConfig GetModelConfig::Named(const std::string& name, std::int64_t num_features) {
  return Of(kModelSizes.Parse("--model-size", name), num_features);
}

GetBlockImpl::GetBlockImpl(const GetModelConfig& c, double drop_path,
                           std::shared_ptr<const LoraRegistry> lora)
    : heads_(c.heads), drop_path_(drop_path), lora_(std::move(lora)) {
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
  auto qkv = Linear(qkv_, x, *lora_, bias).reshape({b, n, 3, h, d / h}).permute({2, 0, 3, 1, 4});
  auto out = at::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], {}, 0.0, false,
                                              1.0 / std::sqrt(static_cast<double>(d / h)));
  return Linear(proj_, out.transpose(1, 2).reshape({b, n, d}), *lora_);
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
  auto hidden = F::gelu(Linear(fc1_, norm2_(y), *lora_), F::GELUFuncOptions().approximate("none"));
  return y + DropPath(Linear(fc2_, hidden, *lora_));
}

GetModelImpl::GetModelImpl(const GetModelConfig& config) : config_(config) {
  auto region_embed = register_module("region_embed", std::make_shared<torch::nn::Module>());
  embed_ =
      region_embed->register_module("embed", torch::nn::Linear(config.num_features, config.dim));
  cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, config.dim}));
  if (config.task == RegionTask::kPretrain)
    mask_token_ = register_parameter("mask_token", torch::zeros({1, 1, config.dim}));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  blocks_ = encoder->register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config.depth; ++i) {
    const double dp = config.depth > 1 ? config.drop_path_max * static_cast<double>(i) /
                                             static_cast<double>(config.depth - 1)
                                       : 0.0;
    blocks_->push_back(GetBlock(config, dp, lora_));
  }
  norm_ = encoder->register_module(
      "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.dim}).eps(1e-6)));
  if (config.task == RegionTask::kPretrain) {
    head_ = register_module("head_mask", torch::nn::Linear(config.dim, config.num_features));
  } else {
    const std::int64_t out = config.task == RegionTask::kExpression ? 2 : 1;
    auto head_exp = register_module("head_exp", std::make_shared<torch::nn::Module>());
    head_ = head_exp->register_module("head", torch::nn::Linear(config.dim, out));
  }
  Initialise();
}

// The draws do not depend on the task: every task's model takes the same
// values from the same seed (embedding, encoder, then the heads in the
// order expression, accessibility, pretraining, then mask_token), each
// taking the draw of its own head and skipping the others'.
void GetModelImpl::Initialise() {
  torch::NoGradGuard no_grad;
  for (auto& item : named_modules("", /*include_self=*/false)) {
    if (item.key().rfind("head_", 0) == 0) continue;  // below
    if (auto* linear = item.value()->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* ln = item.value()->as<torch::nn::LayerNorm>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
  cls_token_.zero_();
  const std::pair<RegionTask, std::int64_t> heads[] = {
      {RegionTask::kExpression, 2},
      {RegionTask::kAccessibility, 1},
      {RegionTask::kPretrain, config_.num_features}};
  for (const auto& [task, outputs] : heads) {
    auto w = torch::empty({outputs, config_.dim});
    torch::nn::init::xavier_uniform_(w);
    if (task == config_.task) {
      head_->weight.copy_(w);
      head_->bias.zero_();
    }
  }
  // The reference's trunc_normal_(std=0.02) truncates at +-2 (absolute),
  // 100 standard deviations out: a normal draw is the same distribution.
  auto token = torch::empty({1, 1, config_.dim}).normal_(0.0, 0.02).clamp_(-2.0, 2.0);
  if (mask_token_.defined()) mask_token_.copy_(token);
}

GetOutputs GetModelImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto h = Linear(embed_, x, *lora_);
  const auto embedded = h;
  if (mask.defined()) {
    if (!mask_token_.defined())
      throw Error(ErrorCode::kInvalidArgument, "a region mask needs the pretraining model");
    auto w = mask.unsqueeze(-1).to(h.dtype());
    h = h * (1 - w) + mask_token_.expand_as(h) * w;
  }
  h = torch::cat({cls_token_.expand({h.size(0), 1, h.size(2)}), h}, 1);
  for (auto& block : *blocks_) h = block->as<GetBlock>()->forward(h);
  h = norm_(h).slice(1, 1);  // drop the CLS position
  GetOutputs out;
  out.embedded = embedded;
  out.hidden = h;
  switch (config_.task) {
    case RegionTask::kPretrain:
      out.masked = Linear(head_, h, *lora_);
      break;
    case RegionTask::kExpression:
      out.expression = F::softplus(Linear(head_, h, *lora_));
      break;
    case RegionTask::kAccessibility:
      out.accessibility = F::softplus(Linear(head_, h, *lora_)).squeeze(-1);
      break;
  }
  return out;
}

std::int64_t GetModelImpl::NumParameters() const {
  std::int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

std::vector<std::string> GetModelImpl::AddLora(const LoraOptions& o) {
  if (o.rank < 1) throw Error(ErrorCode::kInvalidArgument, "LoRA rank must be >= 1");
  const std::regex pattern(o.pattern);
  std::vector<std::string> adapted;
  for (const auto& item : named_modules("", /*include_self=*/false)) {
    auto* linear = item.value()->as<torch::nn::Linear>();
    if (!linear || !std::regex_search(item.key(), pattern) || lora_->adapters.count(linear))
      continue;
    const auto out = linear->weight.size(0), in = linear->weight.size(1);
    auto a = torch::empty({o.rank, in}, linear->weight.options());
    torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));
    LoraRegistry::Adapter& ad = lora_->adapters[linear];
    ad.weight = linear->weight;
    ad.a = linear->register_parameter("lora_A", a);
    ad.b =
        linear->register_parameter("lora_B", torch::zeros({out, o.rank}, linear->weight.options()));
    ad.scale = o.alpha / static_cast<double>(o.rank);
    adapted.push_back(item.key());
  }
  if (adapted.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "LoRA pattern '" + o.pattern + "' matches no Linear layer");
  }
  return adapted;
}

void GetModelImpl::MergeLora() {
  torch::NoGradGuard no_grad;
  for (auto& [layer, ad] : lora_->adapters) {
    ad.weight.add_(torch::matmul(ad.b, ad.a) * ad.scale);
    // LibTorch cannot unregister a parameter: zero B and drop the layer from
    // the registry, so the adapter is inert; StateDict() leaves lora_* out.
    ad.b.zero_();
  }
  lora_->adapters.clear();
}

std::size_t FreezeParameters(torch::nn::Module& module, const std::string& pattern) {
  const std::regex re(pattern);
  std::size_t frozen = 0;
  for (auto& p : module.named_parameters()) {
    if (std::regex_search(p.key(), re)) {
      p.value().set_requires_grad(false);
      ++frozen;
    }
  }
  return frozen;
}

}  // namespace getps
