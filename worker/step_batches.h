// StepBatches: the batches one replica trains in each global step of an
// epoch (transport.h, "Work"). Either its static slice of every step,
// assembled ahead on a background thread (BatchPrefetcher), or the shards
// the coordinator hands out (Transport::NextShard), each assembled when
// it is granted. Each part says whether it is the replica's last of the
// step (for a transport that overlaps the last backward pass with its
// communication): a static slice knows; a granted shard is the last when
// the grant left nothing of the step to hand out, and the replica then asks
// no more in that step (a replica whose last shard was not the step's last
// learns it only when refused the next, and sums its gradients after
// backward that step).
//
// Ownership: `store` and `transport` must outlive it; the epoch's window
// order is copied in. Errors: those of the store (assembly) and of the
// transport's calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "worker/batch_prefetcher.h"
#include "worker/batch_tensors.h"
#include "worker/data_splits.h"
#include "worker/transport.h"

namespace getps {

struct StepBatchesOptions {
  std::size_t first = 0;     // the epoch's first window to train (a resume's cursor)
  std::size_t per_step = 1;  // windows of a global step
  std::size_t batch = 1;     // windows of a batch (and of a shard)
  BatchAssemblerOptions assembly;
};

class StepBatches {
 public:
  StepBatches(const StoreReader& store, torch::Device device, const std::vector<Window>& order,
              const StepBatchesOptions& options, Transport& transport);

  struct Part {
    std::size_t offset = 0;  // of its first window within the step
    std::size_t count = 0;
    bool last = false;  // this replica's last batch of the step
    BatchTensors tensors;
    double data_wait_s = 0;      // waiting for the assembly
    double communication_s = 0;  // asking the coordinator for it
  };

  // The next batch this replica trains in global step `step`, whose windows
  // are order[first, end); nullopt once its part of the step is done. Steps
  // are asked for in order, each until it returns nullopt.
  std::optional<Part> Next(std::int64_t step, std::size_t first, std::size_t end);

 private:
  std::optional<Part> NextStatic();
  std::optional<Part> NextShard(std::int64_t step, std::size_t first, std::size_t end);

  std::vector<Window> order_;
  StepBatchesOptions o_;
  Transport& transport_;
  torch::Device device_;
  // Static slices: their ranges and how many fall in each step.
  std::unique_ptr<BatchPrefetcher> prefetcher_;
  ReplicaBatches mine_;
  std::size_t step_in_epoch_ = 0, next_range_ = 0, taken_in_step_ = 0;
  // Shards: assembled here when granted; the step whose last shard this
  // replica was granted (it asks no more in that step).
  std::unique_ptr<BatchAssembler> assembler_;
  std::optional<std::int64_t> handed_out_step_;
  Batch batch_;
};

}  // namespace getps
