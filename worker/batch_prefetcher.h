// BatchPrefetcher: assembles a sequence of batches on a background thread,
// up to `depth` ahead of the consumer, and hands them over as owning
// tensors on the training device (through pinned memory on CUDA), so the
// model does not wait for the store in steady state.
//
// Ownership: the prefetcher owns its thread, its BatchAssembler and the
// batches in flight; `store` must outlive it. The windows are copied in.
// Errors: an assembly error is rethrown by the Next() call that would have
// returned that batch. The destructor stops and joins the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "worker/batch_tensors.h"

namespace getps {

class BatchPrefetcher {
 public:
  // Batch i is windows[ranges[i].first, ranges[i].first + ranges[i].second).
  BatchPrefetcher(const StoreReader& store, const BatchAssemblerOptions& options,
                  torch::Device device, std::vector<Window> windows,
                  std::vector<std::pair<std::size_t, std::size_t>> ranges, std::size_t depth = 2);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // The next batch in order, or nullopt after the last.
  std::optional<BatchTensors> Next();

 private:
  void Produce();

  BatchAssembler assembler_;
  torch::Device device_;
  std::vector<Window> windows_;
  std::vector<std::pair<std::size_t, std::size_t>> ranges_;
  std::size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<BatchTensors> ready_;
  std::size_t produced_ = 0, consumed_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace getps
