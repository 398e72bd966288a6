// WindowPlan: the samples of an epoch. A window is WindowSize consecutive
// accessible regions of one cell type on one chromosome, so it never crosses
// a chromosome; it is named by (cell type, chromosome, index of its first
// region in that cell type's accessible list for the chromosome).
//
// Windows start at 0, stride, 2*stride, ... while they fit: a chromosome with
// n accessible regions gives max(0, floor((n - size) / stride) + 1) windows,
// and its last n - size - (count-1)*stride regions fall outside every window.
// stride == size gives non-overlapping windows (pretraining), stride 100 the
// fine-tuning windows. The order is deterministic (cell type, chromosome,
// start); Shuffled() permutes it by seed and epoch, the same on every host.
#pragma once

#include <cstdint>
#include <vector>

namespace getps {

// The regions of a GET window (the paper's 200).
inline constexpr std::uint32_t kRegionsPerWindow = 200;

class StoreReader;

// The individual of a window that is the reference genome's.
inline constexpr std::uint16_t kReferenceIndividual = 0xffff;

struct Window {
  std::uint16_t celltype = 0;
  std::uint16_t chrom = 0;
  std::uint32_t first = 0;  // index into Accessible(celltype, chrom)
  // Training by people (storage/people_source.h): the person of a genotype
  // store whose features and expression the window carries.
  std::uint16_t individual = kReferenceIndividual;
  bool operator==(const Window&) const = default;
};

struct WindowPlanOptions {
  std::vector<int> celltypes;    // empty: all cell types of the store
  std::vector<int> chromosomes;  // empty: all chromosomes of the store
  std::uint32_t window_size = kRegionsPerWindow;
  std::uint32_t stride = kRegionsPerWindow;
};

// Number of windows over n accessible regions.
std::uint32_t WindowCount(std::uint32_t n, std::uint32_t window_size, std::uint32_t stride);

class WindowPlan {
 public:
  // Throws Error(kInvalidArgument) for a zero size or stride, or an index
  // outside the store's cell types or chromosomes.
  static WindowPlan Build(const StoreReader& store, const WindowPlanOptions& options);

  // On a temporary plan (WindowPlan::Build(...).windows()) the windows are
  // moved out, so a range-for over them cannot dangle.
  const std::vector<Window>& windows() const& { return windows_; }
  std::vector<Window> windows() && { return std::move(windows_); }
  std::size_t size() const { return windows_.size(); }
  std::uint32_t window_size() const { return window_size_; }
  std::uint32_t stride() const { return stride_; }

  // The plan in a seeded random order (Fisher-Yates with getps::Rng).
  std::vector<Window> Shuffled(std::uint64_t seed, std::uint64_t epoch) const;

 private:
  std::vector<Window> windows_;
  std::uint32_t window_size_ = 0;
  std::uint32_t stride_ = 0;
};

}  // namespace getps
