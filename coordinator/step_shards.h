// StepShards: the coordinator's hand-out of every global step's windows
// (synchronous --sync ps and --sync mpi runs). A replica asks for work in
// step s, naming the step's window count and the shard size (its batch);
// it gets the next shard nobody holds yet, windows [first, first + count) of
// the step, or count 0 once all of the step's windows are handed out. A
// fast replica thus trains more shards than a slow one, and no replica
// waits at the step's end for more than the one shard another is training.
// Bookkeeping only; the coordinator does the messaging.
//
// Invariants: a step's shards tile [0, windows) in hand-out order; every
// request of a step names the same windows and shard size; steps only move
// forward, and a step starts only once the previous one was handed out
// completely. A request breaking them throws Error(kInternal) (a replica
// out of step with the run). Reset (a generation ended) forgets the step,
// so the next generation may start again at an earlier one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "protocol/step_shard.h"

namespace getps {

class StepShards {
 public:
  // The next shard of `step` for `replica` (count 0: none left).
  StepShard Take(int replica, std::uint64_t step, std::size_t windows, std::size_t shard);

  // Windows of `step` handed to `replica` (0 for another step than the
  // current one or a replica that took none).
  std::size_t HandedTo(int replica, std::uint64_t step) const;

  // The current step's windows, and how many of them were handed out.
  std::size_t windows() const { return windows_; }
  std::size_t handed() const { return next_; }

  void Reset();

 private:
  std::optional<std::uint64_t> step_;  // the current step; none before the first request
  std::size_t windows_ = 0, shard_ = 0, next_ = 0;
  std::map<int, std::size_t> handed_;  // replica -> windows of the current step
};

}  // namespace getps
