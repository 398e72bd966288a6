#include "worker/model/region_model.h"

#include <torch/torch.h>
#include <cstdint>

#include <regex>

#include "common/error.h"

namespace getps {
namespace {

class GetRegionModel : public RegionModel {
 public:
  explicit GetRegionModel(const GetModelConfig& c) : model_(c) {}
  GetOutputs Forward(const torch::Tensor& x, const torch::Tensor& mask) override {
    return model_->forward(x, mask);
  }
  torch::nn::Module& module() override { return *model_; }
  RegionTask task() const override { return model_->config().task; }
  bool IsHead(const std::string& name) const override {
    return name.rfind("head_", 0) == 0 || name == "mask_token";
  }
  std::vector<std::string> AddLora(const LoraOptions& o) override { return model_->AddLora(o); }
  void MergeLora() override { model_->MergeLora(); }

 private:
  GetModel model_;
};

// The reference's names (MLPRegionFinetune) and PyTorch's default init.
struct MlpImpl : torch::nn::Module {
  MlpImpl(std::int64_t features, std::int64_t outputs)
      : linear1(register_module("linear1", torch::nn::Linear(features, 512))),
        linear2(register_module("linear2", torch::nn::Linear(512, 256))),
        linear3(register_module("linear3", torch::nn::Linear(256, outputs))) {}
  torch::nn::Linear linear1, linear2, linear3;
};

class MlpRegionModel : public RegionModel {
 public:
  MlpRegionModel(std::int64_t features, RegionTask task)
      : task_(task),
        mlp_(std::make_shared<MlpImpl>(features, task == RegionTask::kExpression ? 2 : 1)) {}
  GetOutputs Forward(const torch::Tensor& x, const torch::Tensor&) override {
    GetOutputs out;
    out.embedded = mlp_->linear1(x);
    auto y = torch::softplus(mlp_->linear3(torch::relu(mlp_->linear2(torch::relu(out.embedded)))));
    if (task_ == RegionTask::kExpression)
      out.expression = y;
    else
      out.accessibility = y.squeeze(-1);
    return out;
  }
  torch::nn::Module& module() override { return *mlp_; }
  RegionTask task() const override { return task_; }
  bool IsHead(const std::string& name) const override { return name.rfind("linear3.", 0) == 0; }
  std::vector<std::string> AddLora(const LoraOptions&) override {
    throw Error(ErrorCode::kInvalidArgument, "LoRA applies to the GET model, not the MLP baseline");
  }
  void MergeLora() override {}

 private:
  RegionTask task_;
  std::shared_ptr<MlpImpl> mlp_;
};

}  // namespace

std::unique_ptr<RegionModel> MakeRegionModel(ModelKind kind, const GetModelConfig& config) {
  if (kind == ModelKind::kGet) return std::make_unique<GetRegionModel>(config);
  if (config.task == RegionTask::kPretrain)
    throw Error(ErrorCode::kInvalidArgument, "the mlp model cannot be pretrained");
  return std::make_unique<MlpRegionModel>(config.num_features, config.task);
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
