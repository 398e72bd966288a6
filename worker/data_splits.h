// DataSplits: which windows of a store train, validate and test a model.
// Windows on held-out chromosomes or of held-out cell types are the test
// set. Of the rest, a seeded `validation_fraction` of genomic blocks (400
// consecutive regions, all cell types at once) validates (early stopping);
// training windows touching a validation block are dropped, so neither an
// overlapping window nor the same region in another cell type leaks; and a
// seeded `train_fraction` of the remainder trains. The same options give the
// same split on every host.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "storage/window_plan.h"

namespace getps {

class StoreReader;

struct SplitOptions {
  std::vector<std::string> leave_out_chromosomes;
  std::vector<std::string> leave_out_celltypes;
  double validation_fraction = 0.1;
  double train_fraction = 1.0;
  std::uint64_t seed = 1;
  std::uint32_t stride = kRegionsPerWindow / 2;  // kRegionsPerWindow (non-overlapping): pretraining
  std::uint32_t window_size = kRegionsPerWindow;
};

struct Splits {
  std::vector<Window> train, validation, test;
};

// Throws Error(kNotFound) for an unknown chromosome or cell type and
// Error(kInvalidArgument) when no training window is left.
Splits MakeSplits(const StoreReader& store, const SplitOptions& options);

// One data-parallel replica's batches of an epoch of `count` windows: a
// global step takes `per_step` windows; replica r's slice is the r-th run of
// `mine` windows inside it (empty when the step is short), cut into batches
// of at most `batch`. Over all replicas every window appears exactly once.
struct ReplicaBatches {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;  // (first, n) per batch
  std::vector<std::size_t> batches_per_step;                // 0 for an empty slice
};
ReplicaBatches SliceSteps(std::size_t count, std::size_t per_step, std::size_t mine,
                          std::size_t batch, int replica);

// Fisher-Yates with getps::Rng: the same permutation for the same seed.
void ShuffleWindows(std::vector<Window>* windows, std::uint64_t seed);

}  // namespace getps
