// StateOfRecord: the coordinator's copy of the last commit of a --sync ps
// run -- the weights, the AdamW state and the commit's checkpoint meta --
// that the parameter server rolls back to when a generation ends, so that
// no update of an ended generation (a lost replica's included) survives
// half-applied.
#pragma once

#include <torch/torch.h>
#include <cstdint>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace getps {

class StateOfRecord {
 public:
  // Copies the state (`meta` null: the run's initial state, no commit yet).
  void Capture(torch::nn::Module& module, torch::optim::Optimizer& optimizer, nlohmann::json meta);
  // Puts the captured state back into `module` and `optimizer` (the ones
  // it was captured from, or of the same shapes).
  void Restore(torch::nn::Module& module, torch::optim::Optimizer& optimizer) const;
  const nlohmann::json& meta() const { return meta_; }
  std::int64_t step() const { return meta_.is_null() ? 0 : meta_.value("step", std::int64_t{0}); }

 private:
  std::vector<torch::Tensor> weights_;
  std::string optimizer_;  // torch::save bytes
  nlohmann::json meta_;
};

}  // namespace getps
