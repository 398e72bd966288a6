// Helper of model_parity_test.py: runs worker/model/GetModel of a task
// (pretrain, expression, atac) on inputs it makes, and writes weights,
// inputs, outputs and gradients in PyTorch's format.
//   model_parity_helper DIR F D L H TASK    -> DIR/TASK-weights.pt, DIR/TASK-cpp.pt
//   model_parity_helper DIR F D L H TASK --load PATH
//                                           -> DIR/TASK-cpp_from_python.pt
//   model_parity_helper --count paper TASK  -> prints the parameter count
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "worker/model/get_model.h"
#include "worker/model/state_dict.h"

namespace {

using getps::RegionTask;

// The forward pass of the task (the accessibility input column set to 1,
// as the atac model always sees it; the mask for pretraining only).
getps::GetOutputs Run(getps::GetModel& model, torch::Tensor x, const torch::Tensor& mask) {
  const RegionTask task = model->config().task;
  if (task == RegionTask::kAccessibility) {
    x = x.clone();
    x.select(2, x.size(2) - 1).fill_(1);
  }
  return model->forward(x, task == RegionTask::kPretrain ? mask : torch::Tensor());
}

torch::Tensor Head(const getps::GetModel& model, const getps::GetOutputs& out) {
  const RegionTask task = model->config().task;
  return task == RegionTask::kPretrain     ? out.masked
         : task == RegionTask::kExpression ? out.expression
                                           : out.accessibility;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--count") == 0) {
    auto c = getps::GetModelConfig::Named(argv[2], 283);
    c.task = getps::kRegionTasks.Parse("task", argv[3]);
    getps::GetModel model(c);
    std::cout << model->NumParameters() << "\n";
    return 0;
  }
  if (argc < 7) return 2;
  const std::string dir = argv[1], task = argv[6];
  getps::GetModelConfig c;
  c.num_features = std::stoll(argv[2]);
  c.dim = std::stoll(argv[3]);
  c.depth = std::stoll(argv[4]);
  c.heads = std::stoll(argv[5]);
  c.task = getps::kRegionTasks.Parse("task", task);
  torch::manual_seed(0);
  getps::GetModel model(c);
  model->eval();
  auto x = torch::randn({3, 11, c.num_features});
  auto mask = torch::rand({3, 11}) < 0.5;
  if (argc == 9 && std::strcmp(argv[7], "--load") == 0) {
    getps::LoadStateDict(*model, argv[8]);
    torch::NoGradGuard no_grad;
    getps::SaveTensorDict({{"x", x}, {"mask", mask}, {"out", Head(model, Run(model, x, mask))}},
                          dir + "/" + task + "-cpp_from_python.pt");
    return 0;
  }
  getps::SaveStateDict(*model, dir + "/" + task + "-weights.pt");
  const auto outputs = Run(model, x, mask);
  const auto out = Head(model, outputs), hidden = outputs.hidden;
  auto w = torch::randn(out.sizes());
  (out * w).sum().backward();
  std::map<std::string, torch::Tensor> d = {
      {"x", x}, {"mask", mask}, {"w", w}, {"hidden", hidden.detach()}, {"out", out.detach()}};
  for (const auto& p : model->named_parameters()) d["grad." + p.key()] = p.value().grad();
  getps::SaveTensorDict(d, dir + "/" + task + "-cpp.pt");
  return 0;
}
