#include "storage/window_plan.h"

#include <cstdint>

#include "common/error.h"
#include "common/random.h"
#include "storage/store_reader.h"

namespace getps {

std::uint32_t WindowCount(std::uint32_t n, std::uint32_t window_size, std::uint32_t stride) {
  if (n < window_size) return 0;
  return (n - window_size) / stride + 1;
}

WindowPlan WindowPlan::Build(const StoreReader& store, const WindowPlanOptions& options) {
  if (options.window_size == 0 || options.stride == 0) {
    throw Error(ErrorCode::kInvalidArgument, "window size and stride must be positive");
  }
  std::vector<int> cts = options.celltypes, chroms = options.chromosomes;
  const int nct = static_cast<int>(store.celltypes().size());
  const int nchrom = static_cast<int>(store.regions().chromosomes().size());
  if (cts.empty()) {
    for (int i = 0; i < nct; ++i) cts.push_back(i);
  }
  if (chroms.empty()) {
    for (int i = 0; i < nchrom; ++i) chroms.push_back(i);
  }
  for (int ct : cts) {
    if (ct < 0 || ct >= nct)
      throw Error(ErrorCode::kInvalidArgument,
                  "cell type index " + std::to_string(ct) + " out of range");
  }
  for (int c : chroms) {
    if (c < 0 || c >= nchrom)
      throw Error(ErrorCode::kInvalidArgument,
                  "chromosome index " + std::to_string(c) + " out of range");
  }
  WindowPlan plan;
  plan.window_size_ = options.window_size;
  plan.stride_ = options.stride;
  for (int ct : cts) {
    for (int c : chroms) {
      const auto n = static_cast<std::uint32_t>(store.Accessible(ct, c).size());
      const std::uint32_t count = WindowCount(n, options.window_size, options.stride);
      for (std::uint32_t k = 0; k < count; ++k) {
        plan.windows_.push_back(
            {static_cast<std::uint16_t>(ct), static_cast<std::uint16_t>(c), k * options.stride});
      }
    }
  }
  return plan;
}

std::vector<Window> WindowPlan::Shuffled(std::uint64_t seed, std::uint64_t epoch) const {
  std::vector<Window> out = windows_;
  Rng rng(MixSeed(seed, epoch));
  Shuffle(&out, &rng);
  return out;
}

}  // namespace getps
