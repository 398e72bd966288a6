// Helper of model_parity_test.py: runs worker/GetModel on inputs it makes,
// and writes weights, inputs, outputs and gradients in PyTorch's format.
//   model_parity_helper DIR F D L H    -> DIR/weights.pt, DIR/cpp.pt
//   model_parity_helper DIR F D L H --load DIR/python_weights.pt
//                                      -> DIR/cpp_from_python.pt
//   model_parity_helper --count paper  -> prints the parameter count
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "worker/model/get_model.h"
#include "worker/model/state_dict.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--count") == 0) {
    getps::GetModel model(getps::GetModelConfig::Named(argv[2], 283));
    std::cout << model->NumParameters() << "\n";
    return 0;
  }
  if (argc < 6) return 2;
  const std::string dir = argv[1];
  getps::GetModelConfig c;
  c.num_features = std::stoll(argv[2]);
  c.dim = std::stoll(argv[3]);
  c.depth = std::stoll(argv[4]);
  c.heads = std::stoll(argv[5]);
  torch::manual_seed(0);
  getps::GetModel model(c);
  model->eval();
  auto x = torch::randn({3, 11, c.num_features});
  auto mask = torch::rand({3, 11}) < 0.5;
  if (argc == 8 && std::strcmp(argv[6], "--load") == 0) {
    getps::LoadStateDict(*model, argv[7]);
    torch::NoGradGuard no_grad;
    auto out = model->forward(x, mask, true, true);
    std::map<std::string, torch::Tensor> d;
    d["x"] = x;
    d["mask"] = mask;
    d["expression"] = out.expression;
    d["atac"] = out.atac;
    d["masked"] = out.masked;
    getps::SaveTensorDict(d, dir + "/cpp_from_python.pt");
    return 0;
  }
  getps::SaveStateDict(*model, dir + "/weights.pt");
  auto w1 = torch::randn({3, 11, 2}), w2 = torch::randn({3, 11}),
       w3 = torch::randn({3, 11, c.num_features});
  auto out = model->forward(x, mask, true, true);
  auto loss = (out.expression * w1).sum() + (out.atac * w2).sum() + (out.masked * w3).sum();
  loss.backward();
  std::map<std::string, torch::Tensor> d;
  for (auto& [k, v] : std::map<std::string, at::Tensor>{{"x", x},
                                                        {"mask", mask},
                                                        {"w1", w1},
                                                        {"w2", w2},
                                                        {"w3", w3},
                                                        {"hidden", out.hidden.detach()},
                                                        {"expression", out.expression.detach()},
                                                        {"atac", out.atac.detach()},
                                                        {"masked", out.masked.detach()}}) {
    d[k] = v;
  }
  for (const auto& p : model->named_parameters()) d["grad." + p.key()] = p.value().grad();
  getps::SaveTensorDict(d, dir + "/cpp.pt");
  return 0;
}
