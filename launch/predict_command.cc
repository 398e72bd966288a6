// `getps predict`: gene-level expression predictions of a trained model.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"
#include "storage/batch_assembler.h"
#include "storage/gene_window.h"
#include "storage/store_reader.h"
#include "worker/batch_tensors.h"
#include "worker/model/checkpoint.h"
#include "worker/model/region_model.h"
#include "worker/model/state_dict.h"

namespace getps::cli {

namespace {

// The model of the checkpoint at `weights`, shaped by its meta.json, for
// `store`'s features.
std::unique_ptr<RegionModel> LoadModel(const std::string& weights, const StoreReader& store) {
  const auto meta_path = std::filesystem::path(weights).parent_path() / "meta.json";
  if (!std::filesystem::exists(meta_path))
    throw Error(ErrorCode::kNotFound,
                weights + ": no meta.json beside it to tell the model's shape");
  const auto config_json =
      CheckpointManager::ReadMeta(meta_path.parent_path().string()).at("model_config");
  GetModelConfig config = GetModelConfig::Small(config_json.at("num_features"));
  config.dim = config_json.at("dim");
  config.depth = config_json.at("depth");
  config.heads = config_json.at("heads");
  config.mlp_ratio = config_json.at("mlp_ratio");
  if (config.num_features != static_cast<std::int64_t>(store.num_motifs() + 1))
    throw Error(ErrorCode::kInvalidArgument,
                weights + " expects " + std::to_string(config.num_features) + " features, store " +
                    store.path() + " has " + std::to_string(store.num_motifs() + 1));
  auto model = MakeRegionModel(kModelKinds.Parse(meta_path.string() + ": model_config.model",
                                                 config_json.at("model").get<std::string>()),
                               config);
  LoadStateDict(model->module(), weights);
  model->module().eval();
  return model;
}

// The genes asked for (all of the store's when none), each with its window.
std::vector<std::pair<GeneRecord, GeneWindow>> GeneWindows(const StoreReader& store, int ct,
                                                           const std::vector<std::string>& names,
                                                           std::size_t* skipped) {
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
  std::vector<std::pair<GeneRecord, GeneWindow>> todo;
  for (const auto& g : genes) {
    try {
      todo.emplace_back(g, WindowAroundGene(store, g, ct, kRegionsPerWindow));
    } catch (const Error& e) {
      if (!names.empty()) std::cerr << "getps predict: skipped: " << e.what() << "\n";
      ++*skipped;
    }
  }
  return todo;
}

// One TSV line per gene: the prediction for its strand at its TSS region.
void Predict(RegionModel& model, const StoreReader& store, AtacMode atac, std::size_t batch_size,
             const std::vector<std::pair<GeneRecord, GeneWindow>>& todo, std::ostream& out) {
  torch::NoGradGuard no_grad;
  out << "gene\tchrom\ttss\tstrand\tregion\tpredicted\tobserved\n";
  BatchAssembler assembler(store, {kRegionsPerWindow, atac});
  Batch batch;
  for (std::size_t b = 0; b < todo.size(); b += batch_size) {
    const std::size_t n = std::min(todo.size(), b + batch_size) - b;
    std::vector<Window> windows;
    for (std::size_t i = 0; i < n; ++i) windows.push_back(todo[b + i].second.window);
    assembler.Assemble(windows, &batch);
    auto e = model.Forward(ViewBatch(batch).features, {}, true, false).expression.contiguous();
    const float* p = e.data_ptr<float>();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [g, gw] = todo[b + i];
      const int strand = g.strand == '+' ? 0 : 1;
      const std::size_t k = (i * kRegionsPerWindow + gw.row) * 2 + static_cast<std::size_t>(strand);
      out << g.name << "\t" << g.chrom << "\t" << g.tss + 1 << "\t" << g.strand << "\t"
          << store.regions().Describe(static_cast<std::uint32_t>(g.region_id)) << "\t" << p[k]
          << "\t";
      if (batch.tss_mask[k] != 0) {
        out << batch.expression[k] << "\n";
      } else {
        out << "NA\n";
      }
    }
  }
}

}  // namespace

int RunPredict(const std::vector<std::string>& args) {
  CommandSpec spec(
      "predict", "--checkpoint C --store S --celltype X [--genes A,B] [--out FILE]",
      "Gene-level predictions: for each gene, the window of 200 accessible regions of the\n"
      "cell type centred on the region holding its TSS, through the model; the prediction\n"
      "for the gene's strand at that region, with the observed log10(TPM+1) where the store\n"
      "has one. TSV: gene, chrom, tss (1-based), strand, region, predicted, observed (NA\n"
      "when unknown). Genes whose TSS region is not accessible in the cell type are listed\n"
      "on stderr and skipped.");
  spec.options.add_options()("checkpoint", po::value<std::string>()->required(),
                             "model.pt, a checkpoint folder or a run directory (its best)")(
      "store", po::value<std::string>()->required(), "feature store")(
      "celltype", po::value<std::string>()->required(), "cell type")(
      "genes", po::value<std::string>()->default_value(""), "comma-separated (default: all)")(
      "out", po::value<std::string>()->default_value("-"), "output TSV (- for stdout)")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "accessibility column: quantitative or binary (as the model was trained)")(
      "batch-size", po::value<std::int64_t>()->default_value(16), "windows per forward pass");
  spec.path_options = {"checkpoint", "store", "out"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  const int ct = store->CellTypeIndex((*vm)["celltype"].as<std::string>());
  const std::string weights = CheckpointWeightsPath((*vm)["checkpoint"].as<std::string>());
  auto model = LoadModel(weights, *store);
  std::size_t skipped = 0;
  const auto todo = GeneWindows(*store, ct, SplitList((*vm)["genes"].as<std::string>()), &skipped);
  std::ofstream file;
  const std::string out_path = (*vm)["out"].as<std::string>();
  if (out_path != "-") file.open(out_path);
  std::ostream& out = out_path == "-" ? std::cout : file;
  Predict(
      *model, *store, ParseAtacMode((*vm)["atac"].as<std::string>()),
      static_cast<std::size_t>(std::max<std::int64_t>(1, (*vm)["batch-size"].as<std::int64_t>())),
      todo, out);
  if (!out) throw Error(ErrorCode::kIOError, "cannot write " + out_path);
  std::cerr << "predicted " << todo.size() << " genes";
  if (skipped > 0) std::cerr << " (" << skipped << " skipped: TSS not accessible or no region)";
  std::cerr << "\n";
  return 0;
}

}  // namespace getps::cli
