#include "storage/gene_window.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"

namespace getps {

GeneWindow WindowAroundGene(const StoreReader& store, const GeneRecord& gene, int celltype,
                            std::uint32_t size) {
  const std::string tss = gene.chrom + ":" + std::to_string(gene.tss + 1);
  const std::string ct_name = store.celltypes()[static_cast<std::size_t>(celltype)].name;
  if (gene.region_id < 0)
    throw Error(ErrorCode::kNotFound,
                "gene " + gene.name + ": its TSS " + tss + " lies in no region of the store");
  const auto id = static_cast<std::uint32_t>(gene.region_id);
  const int chrom = store.regions().ChromosomeOf(id);
  const AccessibleRegions& acc = store.Accessible(celltype, chrom);
  const std::ptrdiff_t at = acc.IndexOf(id);
  if (at < 0)
    throw Error(ErrorCode::kNotFound, "gene " + gene.name + ": its TSS region " +
                                          store.regions().Describe(id) + " is not accessible in " +
                                          ct_name);
  if (acc.size() < size)
    throw Error(ErrorCode::kOutOfRange, "gene " + gene.name + ": " + ct_name + " has only " +
                                            std::to_string(acc.size()) + " accessible regions on " +
                                            gene.chrom + ", fewer than a window of " +
                                            std::to_string(size));
  const auto k = static_cast<std::uint32_t>(at);
  const std::uint32_t first =
      std::min(k > size / 2 ? k - size / 2 : 0, static_cast<std::uint32_t>(acc.size()) - size);
  return {Window{static_cast<std::uint16_t>(celltype), static_cast<std::uint16_t>(chrom), first},
          k - first};
}

std::vector<std::pair<GeneRecord, GeneWindow>> GeneWindows(const StoreReader& store, int celltype,
                                                           const std::vector<std::string>& names,
                                                           std::uint32_t size,
                                                           std::vector<std::string>* skipped) {
  std::vector<GeneRecord> genes;
  if (names.empty()) {
    genes = store.Genes();
  } else {
    for (const auto& n : names) {
      auto g = store.FindGene(n);
      if (!g)
        throw Error(ErrorCode::kNotFound, "store " + store.path() + " has no gene '" + n + "'");
      genes.push_back(*g);
    }
  }
  std::vector<std::pair<GeneRecord, GeneWindow>> out;
  for (const auto& g : genes) {
    try {
      out.emplace_back(g, WindowAroundGene(store, g, celltype, size));
    } catch (const Error& e) {
      skipped->push_back(e.what());
    }
  }
  return out;
}

}  // namespace getps
