// `getps predict`: gene-level expression predictions of a trained model.
#include <torch/torch.h>
#include <cstdint>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/parse.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"
#include "launch/window_outputs.h"
#include "storage/batch_assembler.h"
#include "storage/gene_window.h"
#include "storage/store_reader.h"
#include "storage/window_plan.h"
#include "worker/batch_tensors.h"
#include "worker/model/checkpoint.h"
#include "worker/model/initial_model.h"
#include "worker/model/region_model.h"
#include "worker/model/state_dict.h"

namespace getps::cli {

namespace {

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
    auto e = model.Forward(ViewBatch(batch).features, {}).expression.contiguous();
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

// The windows of --windows on --chrom: "all", or indices of the cell
// type's windows there (windows of R regions every --stride).
std::vector<Window> ChosenWindows(const StoreReader& store, int ct, const po::variables_map& vm) {
  if (vm["chrom"].as<std::string>().empty())
    throw Error(ErrorCode::kInvalidArgument, "--windows needs --chrom");
  const int chrom = store.ChromosomeIndex(vm["chrom"].as<std::string>());
  const auto stride = vm["stride"].as<std::uint32_t>();
  auto plan = WindowPlan::Build(store, {{ct}, {chrom}, kRegionsPerWindow, stride}).windows();
  const std::string which = vm["windows"].as<std::string>();
  if (which == "all") return plan;
  std::vector<Window> out;
  for (const auto& item : SplitList(which)) {
    std::uint32_t i = 0;
    if (!ParseUint32(item, &i))
      throw Error(ErrorCode::kInvalidArgument,
                  "--windows '" + item + "': expected all or window indices (0, 1, ...)");
    if (i >= plan.size())
      throw Error(ErrorCode::kOutOfRange,
                  "--windows " + item + ": " + vm["celltype"].as<std::string>() + " has " +
                      std::to_string(plan.size()) + " windows on " + vm["chrom"].as<std::string>());
    out.push_back(plan[i]);
  }
  return out;
}

void AddPredictOptions(CommandSpec& spec) {
  spec.options.add_options()("checkpoint", po::value<std::string>()->required(),
                             "model.pt, a checkpoint folder or a run directory (its best)")(
      "store", po::value<std::string>()->required(), "feature store")(
      "celltype", po::value<std::string>()->required(), "cell type")(
      "genes", po::value<std::string>()->default_value(""), "comma-separated (default: all)")(
      "out", po::value<std::string>()->default_value("-"), "output TSV (- for stdout)")(
      "windows", po::value<std::string>()->default_value(""),
      "full-precision outputs instead: all, or comma-separated window indices on --chrom")(
      "chrom", po::value<std::string>()->default_value(""), "with --windows: the chromosome")(
      "stride", po::value<std::uint32_t>()->default_value(kRegionsPerWindow / 2),
      "with --windows: window stride")(
      "npy", po::value<std::string>()->default_value(""),
      "with --windows: the folder for outputs.npy, region_ids.npy (masks.npy), windows.tsv")(
      "mask-ratio", Defaulted(WindowOutputOptions{}.mask_ratio),
      "pretraining checkpoints: chance a region is masked")(
      "seed", Defaulted(WindowOutputOptions{}.seed), "pretraining checkpoints: mask seed")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "accessibility column: quantitative or binary (as the model was trained; 1 for\n"
      "accessibility models)")("batch-size", po::value<std::int64_t>()->default_value(16),
                               "windows per forward pass");
  spec.path_options = {"checkpoint", "store", "out", "npy"};
  spec.ranges = {{"stride", Between(1, 100000)},
                 {"mask-ratio", Between(0, 1)},
                 {"batch-size", Between(1, 1 << 20)}};
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
      "on stderr and skipped.\n"
      "--windows W --chrom C --npy DIR: the model's float32 outputs on windows instead\n"
      "(any checkpoint: expression, accessibility, or a pretraining model's reconstruction\n"
      "with the masks it used), with their region ids.");
  AddPredictOptions(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  const int ct = store->CellTypeIndex((*vm)["celltype"].as<std::string>());
  const std::string weights = CheckpointWeightsPath((*vm)["checkpoint"].as<std::string>());
  auto model = CheckpointModel(weights, static_cast<std::int64_t>(store->num_motifs() + 1));
  const auto batch =
      static_cast<std::size_t>(std::max<std::int64_t>(1, (*vm)["batch-size"].as<std::int64_t>()));
  AtacMode atac = ParseAtacMode((*vm)["atac"].as<std::string>());
  if (model->task() == RegionTask::kAccessibility) atac = AtacMode::kBinary;
  if (!(*vm)["windows"].as<std::string>().empty()) {
    if ((*vm)["npy"].as<std::string>().empty())
      throw Error(ErrorCode::kInvalidArgument, "--windows needs --npy DIR");
    const auto windows = ChosenWindows(*store, ct, *vm);
    WriteWindowOutputs(*model, *store, windows,
                       {(*vm)["npy"].as<std::string>(), atac, batch,
                        (*vm)["mask-ratio"].as<double>(), (*vm)["seed"].as<std::uint64_t>()});
    std::cerr << "wrote the outputs of " << windows.size() << " windows to "
              << (*vm)["npy"].as<std::string>() << "\n";
    return 0;
  }
  if (model->task() != RegionTask::kExpression)
    throw Error(ErrorCode::kInvalidArgument,
                weights + " is a " + kRegionTasks.Name(model->task()) +
                    " model: gene-level predictions need an expression model (use --windows)");
  std::vector<std::string> skipped;
  const auto names = SplitList((*vm)["genes"].as<std::string>());
  const auto todo = GeneWindows(*store, ct, names, kRegionsPerWindow, &skipped);
  if (!names.empty())
    for (const auto& why : skipped) std::cerr << "getps predict: skipped: " << why << "\n";
  std::ofstream file;
  const std::string out_path = (*vm)["out"].as<std::string>();
  if (out_path != "-") file.open(out_path);
  std::ostream& out = out_path == "-" ? std::cout : file;
  Predict(*model, *store, atac, batch, todo, out);
  if (!out) throw Error(ErrorCode::kIOError, "cannot write " + out_path);
  std::cerr << "predicted " << todo.size() << " genes";
  if (!skipped.empty())
    std::cerr << " (" << skipped.size() << " skipped: TSS not accessible or no region)";
  std::cerr << "\n";
  return 0;
}

}  // namespace getps::cli
