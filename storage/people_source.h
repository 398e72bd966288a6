// PeopleSource: the cohort side of training by people. A window of person
// k (Window::individual) is the reference window (BatchAssembler) with the
// person's features (their GenotypeOverlay) and the person's expression as
// its labels: at every TSS entry (region, strand), the sum of the person's
// values of the store genes whose TSS lies there, zeroed where the region's
// logCPM is below the store's --min-acpm (the featurizer's rule for the
// reference; the accessibility is the reference's). An entry where the
// person lacks a value for any of its genes (NaN in the import's table)
// keeps the reference's label. A store that does not record its --min-acpm
// (written before it did) gives the person's values only where the
// reference's label is not 0.
//
// Loads every person's deltas and labels once (memory: their changed
// regions and one entry per labelled TSS). Immutable once built: threads
// may share it. The store and genotype store must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "storage/batch.h"
#include "storage/genotype_overlay.h"
#include "storage/genotype_store.h"

namespace getps {

class StoreReader;

class PeopleSource {
 public:
  // Throws Error(kInvalidArgument) when `genotypes` belongs to another store
  // or holds no per-person expression.
  PeopleSource(const StoreReader& store, const GenotypeReader& genotypes);

  std::size_t people() const { return overlays_.size(); }
  // The store cell types with per-person expression, ascending.
  const std::vector<int>& celltypes() const { return celltypes_; }
  const GenotypeReader& genotypes() const { return genotypes_; }

  // Turns slot `slot` of `batch`, which BatchAssembler made from the
  // reference, into its window's person's. Throws Error(kOutOfRange) for an
  // individual outside the cohort and Error(kInvalidArgument) for a cell type
  // without per-person expression.
  void Apply(Batch* batch, std::size_t slot) const;

 private:
  using Labels = std::unordered_map<std::uint32_t, std::array<float, 2>>;  // region -> per strand
  const GenotypeReader& genotypes_;
  double min_acpm_;  // the store's; < 0: not recorded
  std::vector<int> celltypes_;
  std::vector<GenotypeOverlay> overlays_;
  std::vector<std::vector<Labels>> labels_;  // [store cell type][individual]
};

}  // namespace getps
