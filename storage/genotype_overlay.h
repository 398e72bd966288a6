// GenotypeOverlay: one individual's features on top of the reference
// batches. BatchAssembler builds a window from the reference store; the
// overlay then rewrites the motif columns of every region where the person
// differs: (reference raw row + their delta) / the cell type's per-motif
// maximum of the reference, clipped to 1 as the reference's are. Only the
// changed features are rewritten; regions where the person is the
// reference cost one hash lookup.
//
// The person's deltas are loaded once (one range scan) and kept; an overlay
// is immutable and may be shared by threads.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "storage/batch.h"
#include "storage/genotype_store.h"

namespace getps {

class StoreReader;

// Rewrites `dst`, the row BatchAssembler made of region `region` in
// `window`, for the region's raw motif scores plus `delta` (normalised by
// the window's cell type's maxima): only the delta's features change.
void ApplyRowDelta(const StoreReader& store, const Window& window, std::uint32_t region,
                   const SparseDelta& delta, float* dst);

class GenotypeOverlay {
 public:
  // Throws Error(kInvalidArgument) when `genotypes` was imported against
  // another store than `store` (fingerprints differ). Both must outlive it.
  GenotypeOverlay(const StoreReader& store, const GenotypeReader& genotypes,
                  std::uint16_t individual);

  std::uint16_t individual() const { return individual_; }
  std::size_t changed_regions() const { return deltas_.size(); }

  // Rewrites the person's changed regions in `batch`, which BatchAssembler
  // made from the same store.
  void Apply(Batch* batch) const;
  // The same for one window of it.
  void ApplyToSlot(Batch* batch, std::size_t slot) const;
  // Whether the person differs from the reference in window `slot`.
  bool Changes(const Batch& batch, std::size_t slot) const;

 private:
  const StoreReader& store_;
  std::uint16_t individual_;
  std::unordered_map<std::uint32_t, SparseDelta> deltas_;
};

}  // namespace getps
