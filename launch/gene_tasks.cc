#include "launch/gene_tasks.h"

#include <torch/torch.h>
#include <cstdint>

#include <fstream>
#include <iostream>

#include "common/error.h"
#include "launch/command_line.h"
#include "storage/gene_window.h"
#include "worker/model/checkpoint.h"
#include "worker/model/initial_model.h"

namespace getps::cli {

std::vector<std::string> GeneNames(const po::variables_map& vm) {
  const auto list = vm["genes"].as<std::string>();
  const auto file = vm["genes-file"].as<std::string>();
  if (!list.empty() && !file.empty())
    throw Error(ErrorCode::kInvalidArgument, "give --genes or --genes-file, not both");
  if (file.empty()) return list == "all" ? std::vector<std::string>{} : SplitList(list);
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read --genes-file " + file);
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    const auto end = line.find_first_of(" \t\r#");
    if (end != 0 && !line.empty()) names.push_back(line.substr(0, end));
  }
  if (names.empty()) throw Error(ErrorCode::kInvalidArgument, file + " lists no gene");
  return names;
}

std::vector<int> CellTypes(const StoreReader& store, const std::string& text) {
  std::vector<int> out;
  if (text == "all") {
    for (std::size_t i = 0; i < store.celltypes().size(); ++i) out.push_back(static_cast<int>(i));
    return out;
  }
  for (const auto& name : SplitList(text)) out.push_back(store.CellTypeIndex(name));
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, "--celltypes names no cell type");
  return out;
}

std::vector<GeneTask> GeneTasks(const StoreReader& store, const std::vector<int>& celltypes,
                                const std::vector<std::string>& names, const std::string& command,
                                bool quiet) {
  std::vector<GeneTask> tasks;
  std::size_t skipped = 0;
  for (const int ct : celltypes) {
    std::vector<std::string> why;
    for (auto& [gene, window] : GeneWindows(store, ct, names, kRegionsPerWindow, &why))
      tasks.push_back({gene, ct, window});
    skipped += why.size();
    if (!names.empty() && !quiet)
      for (const auto& w : why) std::cerr << "getps " << command << ": skipped: " << w << "\n";
  }
  if (!quiet && skipped > 0)
    std::cerr << "getps " << command << ": " << skipped
              << " genes x cell types skipped (TSS not accessible or in no region)\n";
  return tasks;
}

FineTunedModel LoadFineTunedModel(const std::string& checkpoint, const StoreReader& store,
                                  const std::string& atac) {
  FineTunedModel m;
  m.weights = CheckpointWeightsPath(checkpoint);
  m.model = CheckpointModel(m.weights, static_cast<std::int64_t>(store.num_motifs() + 1));
  if (m.model->task() == RegionTask::kPretrain)
    throw Error(ErrorCode::kInvalidArgument,
                m.weights + " is a pretraining checkpoint: give a fine-tuned one");
  m.device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  m.model->module().to(m.device);
  m.atac = m.model->task() == RegionTask::kAccessibility ? AtacMode::kBinary
                                                         : kAtacModes.Parse("--atac", atac);
  return m;
}

}  // namespace getps::cli
