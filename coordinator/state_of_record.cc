#include "coordinator/state_of_record.h"

#include <sstream>

namespace getps {

void StateOfRecord::Capture(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                            nlohmann::json meta) {
  torch::NoGradGuard no_grad;
  weights_.clear();
  for (const auto& p : module.parameters()) weights_.push_back(p.detach().clone());
  std::ostringstream bytes;
  torch::save(optimizer, bytes);
  optimizer_ = bytes.str();
  meta_ = std::move(meta);
}

void StateOfRecord::Restore(torch::nn::Module& module, torch::optim::Optimizer& optimizer) const {
  torch::NoGradGuard no_grad;
  auto params = module.parameters();
  for (std::size_t i = 0; i < params.size() && i < weights_.size(); ++i)
    params[i].copy_(weights_[i]);
  std::istringstream bytes(optimizer_);
  torch::load(optimizer, bytes);
}

}  // namespace getps
