#include "worker/model/region_model.h"

#include <torch/torch.h>

#include <regex>

#include "common/error.h"

namespace getps {
namespace {

class GetRegionModel : public RegionModel {
 public:
  explicit GetRegionModel(const GetModelConfig& c) : model_(c) {}
  GetOutputs Forward(const torch::Tensor& x, const torch::Tensor& mask, bool finetune,
                     bool pretrain) override {
    return model_->forward(x, mask, finetune, pretrain);
  }
  torch::nn::Module& module() override { return *model_; }
  bool can_pretrain() const override { return true; }
  std::vector<std::string> AddLora(const LoraOptions& o) override { return model_->AddLora(o); }
  void MergeLora() override { model_->MergeLora(); }

 private:
  GetModel model_;
};

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(std::int64_t features)
      : fc1(register_module("fc1", torch::nn::Linear(features, 512))),
        fc2(register_module("fc2", torch::nn::Linear(512, 256))),
        fc3(register_module("fc3", torch::nn::Linear(256, 2))) {}
  torch::nn::Linear fc1, fc2, fc3;
};

class MlpRegionModel : public RegionModel {
 public:
  explicit MlpRegionModel(std::int64_t features) : mlp_(std::make_shared<MlpImpl>(features)) {}
  GetOutputs Forward(const torch::Tensor& x, const torch::Tensor&, bool finetune,
                     bool pretrain) override {
    if (pretrain)
      throw Error(ErrorCode::kInvalidArgument, "the MLP baseline has no pretraining head");
    GetOutputs out;
    if (finetune) {
      auto h = torch::relu(mlp_->fc2(torch::relu(mlp_->fc1(x))));
      out.expression = torch::softplus(mlp_->fc3(h));
    }
    return out;
  }
  torch::nn::Module& module() override { return *mlp_; }
  bool can_pretrain() const override { return false; }
  std::vector<std::string> AddLora(const LoraOptions&) override {
    throw Error(ErrorCode::kInvalidArgument, "LoRA applies to the GET model, not the MLP baseline");
  }
  void MergeLora() override {}

 private:
  std::shared_ptr<MlpImpl> mlp_;
};

}  // namespace

std::unique_ptr<RegionModel> MakeRegionModel(ModelKind kind, const GetModelConfig& config) {
  if (kind == ModelKind::kMlp) return std::make_unique<MlpRegionModel>(config.num_features);
  return std::make_unique<GetRegionModel>(config);
}

std::vector<std::string> AdaptWithLora(RegionModel& model, const LoraOptions& lora,
                                       const std::string& trainable) {
  auto adapted = model.AddLora(lora);
  const std::regex keep(trainable);
  for (auto& p : model.module().named_parameters()) {
    const bool adapter = p.key().find(".lora_") != std::string::npos;
    if (!adapter && (trainable.empty() || !std::regex_search(p.key(), keep)))
      p.value().set_requires_grad(false);
  }
  return adapted;
}

}  // namespace getps
