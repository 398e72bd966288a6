// ParameterServer: the weights and AdamW state of a --sync ps run, or of
// one server shard's slice of them (parameter_shard_server.h), as a
// ParameterStore (parameter_store.h). Synchronous: pushes of one step are
// summed (each replica already scaled its loss by its share of the global
// step) and the update applies once every live replica has pushed; then
// every replica gets the new weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coordinator/parameter_store.h"
#include "worker/model/optimizer.h"

namespace getps {

class ParameterServer : public ParameterStore {
 public:
  // `parameters` share their storage with the caller's (a module's, or a
  // server shard's own); `optimizer` holds them and outlives this.
  ParameterServer(NamedTensors parameters, torch::optim::Optimizer& optimizer);

  void Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients) override;
  int pushes() const override { return pushes_; }
  double GradientSquaredNorm() const override;
  void ScaleGradients(double factor) override;
  void Apply(double lr, double clip) override;
  void ApplyClipped(double lr, double clip, double squared_norm) override;
  void Discard() override;
  std::vector<TensorFrame> Snapshot() const override;

 private:
  NamedTensors parameters_;
  std::map<std::string, std::size_t> index_;  // name -> position in parameters_
  torch::optim::Optimizer& optimizer_;
  std::uint64_t step_ = 0;
  int pushes_ = 0;
};

}  // namespace getps
