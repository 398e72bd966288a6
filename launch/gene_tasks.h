// The genes and cell types a gene-level command asks for (`getps explain`,
// `getps variant-effect`): --genes / --genes-file, --celltypes, and every
// (gene, cell type) of them that has a window.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <string>
#include <vector>

#include "storage/store_reader.h"
#include "worker/gene_explainer.h"
#include "worker/model/region_model.h"

namespace getps::cli {

// The genes of --genes (a comma list; "all" or empty: every gene) or
// --genes-file (one per line); empty means every gene. Throws
// Error(kInvalidArgument) when both are given or the file lists none.
std::vector<std::string> GeneNames(const boost::program_options::variables_map& vm);

// Store cell type indices of a comma list, or of "all".
std::vector<int> CellTypes(const StoreReader& store, const std::string& text);

// Every (gene, cell type) with a window: cell types in the order given,
// genes in the order asked (the store's when all). The genes left out are
// reported on stderr as `command`'s unless `quiet`.
std::vector<GeneTask> GeneTasks(const StoreReader& store, const std::vector<int>& celltypes,
                                const std::vector<std::string>& names, const std::string& command,
                                bool quiet);

// A fine-tuned model for the store's features, in eval mode, on the GPU when
// there is one: `checkpoint` as CheckpointWeightsPath takes it, `atac` the
// --atac text (an accessibility model's is binary, whatever it says).
struct FineTunedModel {
  std::string weights;  // the weights file read
  std::unique_ptr<RegionModel> model;
  torch::Device device = torch::kCPU;
  AtacMode atac = AtacMode::kQuantitative;
};
// Throws Error(kInvalidArgument) for a pretraining checkpoint.
FineTunedModel LoadFineTunedModel(const std::string& checkpoint, const StoreReader& store,
                                  const std::string& atac);

}  // namespace getps::cli
