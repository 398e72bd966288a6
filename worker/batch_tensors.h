// BatchTensors: a storage Batch as LibTorch tensors, the hand-over from the
// data path to the model.
//   ViewBatch:  CPU tensors that alias the Batch's buffers (no copy). They
//               are valid only while the Batch lives and is not reassembled.
//   CopyBatch:  owning tensors on `device` (a copy; from CPU to CUDA the
//               copy goes through pinned memory and does not block).
#pragma once

#include <torch/types.h>

#include "storage/batch.h"

namespace getps {

struct BatchTensors {
  torch::Tensor features;    // [B, W, F] float32
  torch::Tensor expression;  // [B, W, 2] float32
  torch::Tensor tss_mask;    // [B, W, 2] float32
  torch::Tensor atac;        // [B, W]    float32
  torch::Tensor region_ids;  // [B, W]    int64 (always a copy: torch has no full uint32 support)
};

BatchTensors ViewBatch(const Batch& batch);
BatchTensors CopyBatch(const Batch& batch, const torch::Device& device);

}  // namespace getps
