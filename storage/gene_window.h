// WindowAroundGene: the window used for gene-level inference — `size`
// accessible regions of a cell type centred on the region holding the gene's
// TSS (clamped to the chromosome's ends) — and the TSS region's row in it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// The genes named (every gene of the store when `names` is empty), each
// with its window of `size` regions in `celltype`, in the order asked.
// Genes without a window are left out, each with WindowAroundGene's reason
// appended to *skipped. Throws Error(kNotFound) for a name the store lacks.
std::vector<std::pair<GeneRecord, GeneWindow>> GeneWindows(const StoreReader& store, int celltype,
                                                           const std::vector<std::string>& names,
                                                           std::uint32_t size,
                                                           std::vector<std::string>* skipped);

}  // namespace getps
