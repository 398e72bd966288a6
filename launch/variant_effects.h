// The table of `getps variant-effect`: every allele of a genotype store
// imported with every_allele (featurizer/genotype_import.h), scored on every
// gene whose window holds a region it changes (worker/variant_scorer.h), in
// each cell type asked. One row per (allele, cell type, gene) scored, and
// one row per (allele, cell type) with a status otherwise, in the VCF's
// order:
//   variant chrom pos ref alt celltype status region gene distance_to_tss
//   ref_pred alt_pred delta percent grad_x_delta features_changed
// status: scored; no_motif_change (the allele changes no motif score of its
// region: no effect); region_not_accessible (in none of the cell type's
// accessible regions); in_no_gene_window (in no window of the genes asked);
// and the import's outside_regions, crossing_a_region_end, too_long,
// symbolic, other_chromosome. delta = alt_pred - ref_pred (the model's scale:
// log10(TPM + 1) for expression); percent = 100 (10^delta - 1), the change of
// TPM + 1; features_changed: NAME:+raw delta of each motif score it changes,
// largest first. Empty fields are ".".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/genotype_store.h"
#include "storage/store_reader.h"
#include "worker/variant_scorer.h"

namespace getps::cli {

struct VariantEffectRun {
  const StoreReader* store = nullptr;       // not owned
  const GenotypeReader* alleles = nullptr;  // not owned; imported against `store`
  RegionModel* model = nullptr;             // not owned, on `device`, in eval mode
  torch::Device device = torch::kCPU;
  std::vector<int> celltypes;   // store indices
  std::vector<GeneTask> tasks;  // the genes asked, with windows, in those cell types
  VariantScorerOptions options;
  bool quiet = false;
};

// Writes the table to `out` (whole or not at all) and returns the number of
// rows of each status.
std::map<std::string, std::size_t> WriteVariantEffects(const VariantEffectRun& run,
                                                       const std::string& out);

}  // namespace getps::cli
