#include "worker/batch_prefetcher.h"

#include <torch/torch.h>

namespace getps {

BatchPrefetcher::BatchPrefetcher(const StoreReader& store, const BatchAssemblerOptions& options,
                                 torch::Device device, std::vector<Window> windows,
                                 std::vector<std::pair<std::size_t, std::size_t>> ranges,
                                 std::size_t depth)
    : assembler_(store, options),
      device_(device),
      windows_(std::move(windows)),
      ranges_(std::move(ranges)),
      depth_(std::max<std::size_t>(1, depth)),
      thread_([this] { Produce(); }) {}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchPrefetcher::Produce() {
  Batch batch;
  for (const auto& [first, n] : ranges_) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < depth_; });
      if (stopping_) return;
    }
    BatchTensors tensors;
    try {
      assembler_.Assemble({windows_.data() + first, n}, &batch);
      tensors = CopyBatch(batch, device_);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      ++produced_;
      changed_.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(std::move(tensors));
    ++produced_;
    changed_.notify_all();
  }
}

std::optional<BatchTensors> BatchPrefetcher::Next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (consumed_ == ranges_.size()) return std::nullopt;
  changed_.wait(lock, [&] { return !ready_.empty() || error_; });
  if (ready_.empty()) std::rethrow_exception(error_);
  BatchTensors t = std::move(ready_.front());
  ready_.pop_front();
  ++consumed_;
  changed_.notify_all();
  return t;
}

}  // namespace getps
