#include "coordinator/step_shards.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace getps {
namespace {

Error OutOfStep(int replica, const std::string& what) {
  return Error(ErrorCode::kInternal,
               "replica " + std::to_string(replica) + " asked for work out of step: " + what);
}

}  // namespace

StepShard StepShards::Take(int replica, std::uint64_t step, std::size_t windows,
                           std::size_t shard) {
  if (windows == 0 || shard == 0) throw OutOfStep(replica, "a step or shard of no windows");
  if (!step_ || step > *step_) {
    if (step_ && next_ < windows_)
      throw OutOfStep(replica, "step " + std::to_string(step) + " began with " +
                                   std::to_string(windows_ - next_) + " windows of step " +
                                   std::to_string(*step_) + " not handed out");
    step_ = step;
    windows_ = windows;
    shard_ = shard;
    next_ = 0;
    handed_.clear();
  } else if (step < *step_) {
    throw OutOfStep(replica, "step " + std::to_string(step) + " is over (the run is at step " +
                                 std::to_string(*step_) + ")");
  } else if (windows != windows_ || shard != shard_) {
    throw OutOfStep(replica, "step " + std::to_string(step) + " of " + std::to_string(windows) +
                                 " windows in shards of " + std::to_string(shard) +
                                 ", where others said " + std::to_string(windows_) + " in " +
                                 std::to_string(shard_));
  }
  StepShard out{next_, std::min(shard_, windows_ - next_)};
  next_ += out.count;
  out.left = windows_ - next_;
  handed_[replica] += out.count;
  return out;
}

std::size_t StepShards::HandedTo(int replica, std::uint64_t step) const {
  if (!step_ || step != *step_) return 0;
  auto it = handed_.find(replica);
  return it == handed_.end() ? 0 : it->second;
}

void StepShards::Reset() {
  step_.reset();
  windows_ = shard_ = next_ = 0;
  handed_.clear();
}

}  // namespace getps
