// ParameterServer: the weights and AdamW state of record of a --sync ps run,
// held by the coordinator (one shard: all parameters). Synchronous: pushes
// of one step are summed (each replica already scaled its loss by its share
// of the global step) and the update applies once every live replica has
// pushed; then every replica gets the new weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/message.h"

namespace getps {

class ParameterServer {
 public:
  // `module` and `optimizer` are owned by the caller and outlive this.
  ParameterServer(torch::nn::Module& module, torch::optim::Optimizer& optimizer);

  // Adds one replica's gradients for `step`. Throws Error(kInvalidArgument)
  // for an unknown parameter, a shape mismatch or a push for another step
  // than the one being gathered.
  void Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients);
  int pushes() const { return pushes_; }

  // Applies the summed gradients (clipped to `clip` when > 0) with `lr`,
  // and starts gathering the next step.
  void Apply(double lr, double clip);

  // Drops the gradients gathered for the current step (a generation ended
  // before every replica pushed): nothing of them is applied.
  void Discard();

  // The weights as frames (a snapshot: later updates do not change them).
  std::vector<TensorFrame> Snapshot() const;

 private:
  torch::nn::Module& module_;
  torch::optim::Optimizer& optimizer_;
  std::uint64_t step_ = 0;
  int pushes_ = 0;
};

}  // namespace getps
