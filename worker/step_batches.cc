#include "worker/step_batches.h"

#include <chrono>
#include <cstdint>
#include <span>

namespace getps {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

StepBatches::StepBatches(const StoreReader& store, torch::Device device,
                         const std::vector<Window>& order, const StepBatchesOptions& options,
                         Transport& transport)
    : order_(order), o_(options), transport_(transport), device_(device) {
  if (transport_.hands_out_shards()) {
    assembler_ = std::make_unique<BatchAssembler>(store, o_.assembly);
    return;
  }
  mine_ = SliceSteps(order_.size() - o_.first, o_.per_step,
                     o_.per_step / static_cast<std::size_t>(transport_.replicas()), o_.batch,
                     transport_.replica());
  for (auto& range : mine_.ranges) range.first += o_.first;
  prefetcher_ =
      std::make_unique<BatchPrefetcher>(store, o_.assembly, device_, order_, mine_.ranges);
}

std::optional<StepBatches::Part> StepBatches::Next(std::int64_t step, std::size_t first,
                                                   std::size_t end) {
  if (assembler_) return NextShard(step, first, end);
  auto part = NextStatic();
  if (part) part->offset -= first;
  return part;
}

std::optional<StepBatches::Part> StepBatches::NextStatic() {
  if (taken_in_step_ == mine_.batches_per_step.at(step_in_epoch_)) {
    ++step_in_epoch_;
    taken_in_step_ = 0;
    return std::nullopt;
  }
  ++taken_in_step_;
  Part part;
  part.last = taken_in_step_ == mine_.batches_per_step.at(step_in_epoch_);
  std::tie(part.offset, part.count) = mine_.ranges[next_range_++];
  const auto t = Clock::now();
  part.tensors = *prefetcher_->Next();
  part.data_wait_s = SecondsSince(t);
  return part;
}

std::optional<StepBatches::Part> StepBatches::NextShard(std::int64_t step, std::size_t first,
                                                        std::size_t end) {
  // A grant that left nothing of the step ended it: asking again would race
  // the replicas already in the next step (their sums may complete against
  // this one's buckets, launched during its last backward).
  if (handed_out_step_ == step) return std::nullopt;
  Part part;
  auto t = Clock::now();
  const StepShard shard = transport_.NextShard(step, end - first, o_.batch);
  part.communication_s = SecondsSince(t);
  if (shard.count == 0) return std::nullopt;
  part.last = shard.left == 0;
  if (part.last) handed_out_step_ = step;
  part.offset = shard.first;
  part.count = shard.count;
  t = Clock::now();
  assembler_->Assemble(std::span<const Window>(order_).subspan(first + shard.first, shard.count),
                       &batch_);
  part.tensors = CopyBatch(batch_, device_);
  part.data_wait_s = SecondsSince(t);
  return part;
}

}  // namespace getps
