// WindowAroundGene: the window used for gene-level inference — `size`
// accessible regions of a cell type centred on the region holding the gene's
// TSS (clamped to the chromosome's ends) — and the TSS region's row in it.
#pragma once

#include <cstdint>

#include "storage/store_metadata.h"
#include "storage/store_reader.h"
#include "storage/window_plan.h"

namespace getps {

struct GeneWindow {
  Window window;
  std::uint32_t row = 0;  // the TSS region's position inside the window
};

// Throws Error(kNotFound) when the TSS lies in no region or its region is not
// accessible in the cell type, Error(kOutOfRange) when the cell type has
// fewer than `size` accessible regions on the chromosome; messages name the
// gene.
GeneWindow WindowAroundGene(const StoreReader& store, const GeneRecord& gene, int celltype,
                            std::uint32_t size);

}  // namespace getps
