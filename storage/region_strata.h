// RegionStrata: a store's regions partitioned into labelled bins by a
// per-region property, for metrics stratified by it (models are known to be
// worse on cell-type-specific and on distal regions):
//   - specificity: in how many of the store's cell types a region is
//     accessible, in power-of-two bins "1", "2-3", "4-7", ...;
//   - TSS distance: base pairs from the region's centre to the nearest TSS
//     of the store's genes (as peak annotators such as ChIPseeker measure
//     it), in bins "0-99", "100-499", "500-1999", "2000-9999",
//     "10000-99999", ">=100000", and "no TSS" when the region's chromosome
//     has none. Promoter regions fall in the first bins, distal elements in
//     the later ones.
// Plain values; built once per evaluation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/region_index.h"
#include "storage/store_metadata.h"

namespace getps {

class StoreReader;

struct RegionStrata {
  std::string name;                 // "specificity" | "tss_distance"
  std::vector<std::string> labels;  // one per bin, in order
  std::vector<std::int64_t> lo;     // per bin: smallest value, inclusive
  std::vector<std::int64_t> hi;     // per bin: largest value, inclusive; -1 open
  std::vector<int> bin_of;          // per region id: index into labels
};

// Number of cell types of `store` in which each region id is accessible.
std::vector<std::uint32_t> AccessibleCounts(const StoreReader& store);

// Regions accessible nowhere count as "1" (the most specific bin).
RegionStrata SpecificityStrata(const std::vector<std::uint32_t>& accessible_in);

// Per region id: |TSS - centre| in bp for the nearest TSS of `genes` on
// the region's chromosome, the centre of [start, end) being
// start + (end - start) / 2; -1 when that chromosome has no TSS.
std::vector<std::int64_t> DistanceToNearestTss(const RegionIndex& regions,
                                               const std::vector<GeneRecord>& genes);

RegionStrata TssDistanceStrata(const std::vector<std::int64_t>& distance);

}  // namespace getps
