// Batch: the tensors of one training step, as flat row-major float arrays
// that a worker wraps without copying (torch::from_blob) or copies to a
// device. Dimensions: B = size windows, W = window_size regions, F =
// num_features (= motif columns + 1 accessibility column).
#pragma once

#include <cstdint>
#include <vector>

#include "storage/window_plan.h"

namespace getps {

struct Batch {
  std::size_t size = 0;
  std::uint32_t window_size = 0;
  std::uint32_t num_features = 0;
  std::vector<float> features;            // [B, W, F]
  std::vector<float> expression;          // [B, W, 2] log10(TPM+1) per strand
  std::vector<float> tss_mask;            // [B, W, 2] 1 where a TSS of that strand
  std::vector<float> atac;                // [B, W] logCPM (the accessibility target)
  std::vector<std::uint32_t> region_ids;  // [B, W]
  std::vector<Window> windows;            // [B]
};

}  // namespace getps
