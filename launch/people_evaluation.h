// EvaluatePeople: a model's accuracy across people (Variformer's measure),
// for `getps genotypes evaluate`. For each gene with a window in each cell
// type asked and per-person expression in the genotype store:
//   predicted  the model on each person's window (worker/people_predictions.h)
//   ridge      the cis baseline (worker/cis_ridge.h): ridge on the dosages of
//              the variants changing a region of the window, fitted on the
//              training people with expression (a missing dosage: the
//              training people's mean)
// and across the held-out people with expression: the model's Pearson and
// R2 (its square: the variance a linear read-out of the prediction
// explains; the model's scale does not matter), the ridge's Pearson and
// cis R2 (its square, the proxy for the gene's cis heritability).
//
// Files in DIR (each whole or not at all):
//   predictions.tsv  gene celltype individual split observed predicted ridge
//   genes.tsv        gene celltype test_people cis_variants pearson r2
//                    ridge_pearson cis_r2 ridge_lambda observed_sd
//   summary.tsv      per bin of cis R2 ([0, 0.05), [0.05, 0.2), [0.2, 0.5),
//                    [0.5, 1], and all): genes, median and mean Pearson of
//                    the model, median cis R2
// A metric without at least 3 held-out people whose expression and
// prediction both vary is "nan" (and the gene counts in no bin).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "storage/genotype_store.h"
#include "storage/individual_splits.h"
#include "storage/store_reader.h"
#include "worker/gene_explainer.h"

namespace getps::cli {

struct PeopleEvaluationRun {
  const StoreReader* store = nullptr;         // not owned
  const GenotypeReader* genotypes = nullptr;  // not owned; of `store`
  RegionModel* model = nullptr;               // not owned, on `device`, eval mode
  torch::Device device = torch::kCPU;
  std::vector<GeneTask> tasks;  // cell types with per-person expression only
  IndividualSplit split;
  AtacMode atac = AtacMode::kQuantitative;
  std::size_t batch_size = 64;
  bool quiet = false;
};

struct PeopleEvaluationSummary {
  std::size_t genes = 0;      // with a Pearson
  double median_pearson = 0;  // of the model, across held-out people
  double median_cis_r2 = 0;
  std::size_t windows_run = 0;  // person windows that went through the model
};

PeopleEvaluationSummary EvaluatePeople(const PeopleEvaluationRun& run,
                                       const std::filesystem::path& out);

}  // namespace getps::cli
