// Full-precision outputs of a model on windows of the store (`getps predict
// --npy DIR`): exactly the model's float32 output per window (expression
// [N, R, 2], accessibility [N, R], or a pretraining model's reconstruction
// [N, R, F] with the seeded masks it was made under), with the windows'
// region ids, for comparing getps with other code value for value.
//   DIR/outputs.npy     float32, the task's head
//   DIR/region_ids.npy  uint32 [N, R]
//   DIR/masks.npy       uint8 [N, R] (pretraining: 1 where a region was masked)
//   DIR/windows.tsv     index, celltype, chrom, first (of the accessible list)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "worker/model/region_model.h"

namespace getps::cli {

struct WindowOutputOptions {
  std::string dir;
  AtacMode atac = AtacMode::kQuantitative;  // the input's column (1 for accessibility models)
  std::size_t batch = 16;
  double mask_ratio = 0.5;  // pretraining
  std::uint64_t seed = 1;   // pretraining: window i's mask from (seed, i)
};

// Writes the outputs of `model` on `windows`. Throws Error(kIOError) when a
// file cannot be written.
void WriteWindowOutputs(RegionModel& model, const StoreReader& store,
                        const std::vector<Window>& windows, const WindowOutputOptions& options);

}  // namespace getps::cli
