// ParameterServer: the weights and AdamW state of a --sync ps run, or of
// one server shard's slice of them (parameter_shard_server.h). Synchronous:
// pushes of one step are summed (each replica already scaled its loss by
// its share of the global step) and the update applies once every live
// replica has pushed; then every replica gets the new weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocol/message.h"
#include "worker/optimizer.h"

namespace getps {

class ParameterServer {
 public:
  // `parameters` share their storage with the caller's (a module's, or a
  // server shard's own); `optimizer` holds them and outlives this.
  ParameterServer(NamedTensors parameters, torch::optim::Optimizer& optimizer);

  // Adds one replica's gradients for `step`. Throws Error(kInvalidArgument)
  // for an unknown parameter, a shape mismatch or a push for another step
  // than the one being gathered.
  void Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients);
  int pushes() const { return pushes_; }

  // The sum of squares of the gathered gradients (this shard's part of the
  // global gradient norm), and a factor to scale them by (clipping to a
  // norm computed over every shard).
  double GradientSquaredNorm() const;
  void ScaleGradients(double factor);

  // Applies the summed gradients (clipped to `clip` when > 0) with `lr`,
  // and starts gathering the next step.
  void Apply(double lr, double clip);

  // Drops the gradients gathered for the current step (a generation ended
  // before every replica pushed): nothing of them is applied.
  void Discard();

  // The weights as frames (a snapshot: later updates do not change them).
  std::vector<TensorFrame> Snapshot() const;

 private:
  NamedTensors parameters_;
  std::map<std::string, std::size_t> index_;  // name -> position in parameters_
  torch::optim::Optimizer& optimizer_;
  std::uint64_t step_ = 0;
  int pushes_ = 0;
};

}  // namespace getps
