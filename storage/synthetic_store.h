// WriteSyntheticStore: a feature store filled with random but well-formed
// values, deterministic by seed. For tests, the storage benchmark and the
// demo until the featurizer writes real ones. Not a model of biology (that is
// `getps simulate`): motif scores are sparse positive numbers, accessibility
// is random per cell type, TSSs sit on random regions with random expression.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/region_index.h"
#include "storage/store_metadata.h"
#include "storage/store_writer.h"

namespace getps {

struct SyntheticStoreOptions {
  std::uint32_t num_celltypes = 4;
  std::uint32_t num_regions = 20000;  // used when no regions are given
  std::uint32_t num_motifs = 282;
  double accessible_fraction = 0.6;  // chance a region is accessible in a cell type
  double motif_density = 0.1;        // chance a motif score is non-zero
  double tss_fraction = 0.05;        // chance a region holds a TSS, per strand
  std::uint64_t seed = 1;
  MotifDtype dtype = MotifDtype::kFloat16;
  bool progress = true;
};

// Regions spread over chr1..chr22, chrX in proportion to their GRCh38
// lengths, 200-1,500 bp wide, 300-20,000 bp apart.
std::vector<Region> SyntheticRegions(std::uint32_t count, std::uint64_t seed);

// Writes the store at `path` over `regions` (any order; they are sorted).
void WriteSyntheticStore(const std::string& path, std::vector<Region> regions,
                         const SyntheticStoreOptions& options,
                         const StoreWriterOptions& writer_options = {});

}  // namespace getps
