// ParameterStore: what the step exchange (step_exchange.h) needs of a
// parameter server, without LibTorch: gradients gathered per step from
// tensor frames, their squared norm and scaling (for clipping across
// server shards), the update, and snapshots of the weights.
// ParameterServer (parameter_server.h) is the one implementation; tests use
// fakes.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/message.h"

namespace getps {

class ParameterStore {
 public:
  virtual ~ParameterStore() = default;

  // Adds one replica's gradients for `step`. Throws Error(kInvalidArgument)
  // for an unknown parameter, a size mismatch or a push for another step
  // than the one being gathered.
  virtual void Accumulate(std::uint64_t step, const std::vector<TensorFrame>& gradients) = 0;
  // Pushes gathered for the current step.
  virtual int pushes() const = 0;

  // The sum of squares of the gathered gradients (a part of the global
  // gradient norm), and a factor to scale them by.
  virtual double GradientSquaredNorm() const = 0;
  virtual void ScaleGradients(double factor) = 0;

  // Applies the gathered gradients with `lr`, clipped to `clip` (> 0) by
  // their own norm, and starts gathering the next step.
  virtual void Apply(double lr, double clip) = 0;
  // The same, clipped to `clip` as if their squared norm were
  // `squared_norm` (an asynchronous push that carries its replica's norm).
  virtual void ApplyClipped(double lr, double clip, double squared_norm) = 0;

  // Drops the gradients gathered for the current step.
  virtual void Discard() = 0;

  // The weights as frames (a snapshot: later updates do not change them).
  virtual std::vector<TensorFrame> Snapshot() const = 0;
};

}  // namespace getps
