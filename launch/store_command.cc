// `getps store`: dispatch, plus the subcommands that write (synth, export)
// or scan the whole store (verify). Queries live in store_query_command.cc.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "common/progress.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"
#include "launch/store_commands.h"
#include "storage/batch_assembler.h"
#include "storage/npy_writer.h"
#include "storage/region_bed.h"
#include "storage/store_reader.h"
#include "storage/synthetic_store.h"
#include "storage/window_plan.h"

namespace getps::cli {
namespace {

int StoreSynth(const std::vector<std::string>& args) {
  CommandSpec spec{
      "store synth", "--out PATH [--celltypes N] [--regions N | --peaks BED] [options]",
      "Writes a feature store with synthetic (random, well-formed) values, deterministic\n"
      "by seed: for tests, benchmarks and the demo. Region coordinates are generated, or\n"
      "taken from a BED file of non-overlapping peaks."};
  const SyntheticStoreOptions d;
  spec.options.add_options()("out", po::value<std::string>()->required(),
                             "store directory to create")("celltypes", Defaulted(d.num_celltypes),
                                                          "number of cell types")(
      "regions", Defaulted(d.num_regions), "number of generated regions")(
      "peaks", po::value<std::string>(), "take the regions from this BED file instead")(
      "motifs", Defaulted(d.num_motifs), "motif feature columns")(
      "accessible-fraction", Defaulted(d.accessible_fraction),
      "chance that a region is accessible in a cell type")(
      "dtype", po::value<std::string>()->default_value(MotifDtypeName(d.dtype)),
      "motif score type: float16 or float32")("seed", Defaulted(d.seed), "random seed")(
      "overwrite", po::bool_switch(), "replace an existing store at --out")(
      "quiet", po::bool_switch(), kQuietHelp);
  spec.ranges = {{"celltypes", Between(1, 65535)},
                 {"regions", Positive()},
                 {"motifs", Between(1, 65535)},
                 {"accessible-fraction", Between(0, 1)}};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  SyntheticStoreOptions o;
  o.num_celltypes = (*vm)["celltypes"].as<std::uint32_t>();
  o.num_regions = (*vm)["regions"].as<std::uint32_t>();
  o.num_motifs = (*vm)["motifs"].as<std::uint32_t>();
  o.accessible_fraction = (*vm)["accessible-fraction"].as<double>();
  o.seed = (*vm)["seed"].as<std::uint64_t>();
  o.progress = !(*vm)["quiet"].as<bool>();
  o.dtype = ParseMotifDtype((*vm)["dtype"].as<std::string>());
  if (o.num_motifs == 0) throw Error(ErrorCode::kInvalidArgument, "--motifs must be positive");
  std::vector<Region> regions = vm->count("peaks")
                                    ? ReadRegionsBed((*vm)["peaks"].as<std::string>())
                                    : SyntheticRegions(o.num_regions, o.seed);
  StoreWriterOptions wo;
  wo.overwrite = (*vm)["overwrite"].as<bool>();
  wo.progress = o.progress;
  const std::string out = (*vm)["out"].as<std::string>();
  WriteSyntheticStore(out, std::move(regions), o, wo);
  std::cout << "wrote " << out << "\n";
  return 0;
}

int StoreVerify(const std::vector<std::string>& args) {
  CommandSpec spec{"store verify", "--store PATH",
                   "Full integrity pass: RocksDB block checksums of every table file, then every\n"
                   "value decoded and checked. Exit 0 when clean, 3 on corruption."};
  spec.options.add_options()("store", po::value<std::string>()->required(),
                             "feature store directory")("quiet", po::bool_switch(), kQuietHelp);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  store->Verify(!(*vm)["quiet"].as<bool>());
  std::cout << "ok: " << store->path() << " (" << store->regions().size() << " regions, "
            << store->celltypes().size() << " cell types; checksums and tables verified)\n";
  return 0;
}

std::vector<int> Indices(const std::string& list, const StoreReader& store, bool celltypes) {
  std::vector<int> out;
  for (const auto& name : SplitList(list)) {
    out.push_back(celltypes ? store.CellTypeIndex(name) : store.ChromosomeIndex(name));
  }
  return out;
}

// Writes `windows` as NumPy arrays and windows.tsv into `out`.
void ExportWindows(const StoreReader& store, const BatchAssemblerOptions& bo,
                   const std::vector<Window>& windows, const std::filesystem::path& out,
                   bool progress) {
  namespace fs = std::filesystem;
  fs::create_directories(out);
  const std::uint64_t n = windows.size(), w = bo.window_size;
  BatchAssembler assembler(store, bo);
  NpyWriter features((out / "features.npy").string(), "<f4", {n, w, assembler.num_features()});
  NpyWriter expression((out / "expression.npy").string(), "<f4", {n, w, 2});
  NpyWriter tss((out / "tss_mask.npy").string(), "<f4", {n, w, 2});
  NpyWriter atac_out((out / "atac.npy").string(), "<f4", {n, w});
  NpyWriter ids((out / "region_ids.npy").string(), "<u4", {n, w});
  std::ofstream tsv(out / "windows.tsv");
  tsv << "index\tcelltype\tchrom\tfirst\tfirst_region\tlast_region\n";
  Batch batch;
  ProgressMeter meter("export", static_cast<std::int64_t>(n), "windows", progress);
  constexpr std::size_t kChunk = 64;
  for (std::size_t i = 0; i < n; i += kChunk) {
    std::span<const Window> chunk(windows.data() + i, std::min<std::size_t>(kChunk, n - i));
    assembler.Assemble(chunk, &batch);
    features.Write(batch.features.data(), batch.features.size() * sizeof(float));
    expression.Write(batch.expression.data(), batch.expression.size() * sizeof(float));
    tss.Write(batch.tss_mask.data(), batch.tss_mask.size() * sizeof(float));
    atac_out.Write(batch.atac.data(), batch.atac.size() * sizeof(float));
    ids.Write(batch.region_ids.data(), batch.region_ids.size() * sizeof(std::uint32_t));
    for (std::size_t b = 0; b < chunk.size(); ++b) {
      const Window& win = chunk[b];
      tsv << i + b << "\t" << store.celltypes()[win.celltype].name << "\t"
          << store.regions().chromosomes()[win.chrom].name << "\t" << win.first << "\t"
          << store.regions().Describe(batch.region_ids[b * w]) << "\t"
          << store.regions().Describe(batch.region_ids[b * w + w - 1]) << "\n";
    }
    meter.Advance(static_cast<std::int64_t>(chunk.size()));
  }
  features.Close();
  expression.Close();
  tss.Close();
  atac_out.Close();
  ids.Close();
  std::ofstream names(out / "feature_names.txt");
  for (const auto& f : store.metadata().feature_names) names << f << "\n";
  names << "accessibility\n";
  if (!tsv || !names)
    throw Error(ErrorCode::kIOError, "cannot write the TSV files in " + out.string());
  meter.Finish();
}

int StoreExport(const std::vector<std::string>& args) {
  CommandSpec spec{"store export",
                   "--store PATH --out DIR [--celltypes A,B] [--chroms C,D] [options]",
                   "Assembles a window set and writes it as NumPy arrays (features.npy [N,W,F],\n"
                   "expression.npy [N,W,2], tss_mask.npy [N,W,2], atac.npy [N,W], region_ids.npy\n"
                   "[N,W]) plus windows.tsv (one line per window) and feature_names.txt."};
  spec.options.add_options()("store", po::value<std::string>()->required(),
                             "feature store directory")("out", po::value<std::string>()->required(),
                                                        "output directory (created)")(
      "celltypes", po::value<std::string>()->default_value(""),
      "comma-separated cell types (default all)")("chroms",
                                                  po::value<std::string>()->default_value(""),
                                                  "comma-separated chromosomes (default all)")(
      "window-size", po::value<std::uint32_t>()->default_value(kRegionsPerWindow),
      "regions per window")("stride",
                            po::value<std::uint32_t>()->default_value(WindowPlanOptions{}.stride),
                            "window stride (100 for fine-tuning)")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "quantitative or binary")("shuffle-seed", po::value<std::uint64_t>(),
                                "shuffle the windows with this seed")(
      "limit", po::value<std::size_t>(), "export at most this many windows")(
      "quiet", po::bool_switch(), kQuietHelp);
  spec.ranges = WindowRanges();
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = StoreReader::Open((*vm)["store"].as<std::string>());
  WindowPlanOptions plan_options;
  plan_options.celltypes = Indices((*vm)["celltypes"].as<std::string>(), *store, true);
  plan_options.chromosomes = Indices((*vm)["chroms"].as<std::string>(), *store, false);
  plan_options.window_size = (*vm)["window-size"].as<std::uint32_t>();
  plan_options.stride = (*vm)["stride"].as<std::uint32_t>();
  BatchAssemblerOptions bo;
  bo.window_size = plan_options.window_size;
  bo.atac = ParseAtacMode((*vm)["atac"].as<std::string>());
  WindowPlan plan = WindowPlan::Build(*store, plan_options);
  std::vector<Window> windows = vm->count("shuffle-seed")
                                    ? plan.Shuffled((*vm)["shuffle-seed"].as<std::uint64_t>(), 0)
                                    : plan.windows();
  if (vm->count("limit") && windows.size() > (*vm)["limit"].as<std::size_t>()) {
    windows.resize((*vm)["limit"].as<std::size_t>());
  }
  ExportWindows(*store, bo, windows, (*vm)["out"].as<std::string>(), !(*vm)["quiet"].as<bool>());
  std::cout << "exported " << windows.size() << " windows to " << (*vm)["out"].as<std::string>()
            << "\n";
  return 0;
}

void PrintStoreUsage() {
  std::cout << "usage: getps store <subcommand> [options]   (each takes --help)\n\n"
               "  info       cell types, regions per chromosome, size, format version\n"
               "  celltypes  the cell-type table\n"
               "  region     the named features of the regions overlapping a locus\n"
               "  window     one window of a cell type and chromosome, as the model sees it\n"
               "  gene       the window centred on a gene's TSS region\n"
               "  export     a window set to .npy and TSV\n"
               "  verify     full checksum and consistency pass\n"
               "  synth      write a store with synthetic values (tests, benchmarks, demo)\n";
}

}  // namespace

int RunStore(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    PrintStoreUsage();
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& sub = args[0];
  if (sub == "info") return StoreInfo(rest);
  if (sub == "celltypes") return StoreCellTypes(rest);
  if (sub == "region") return StoreRegion(rest);
  if (sub == "window") return StoreWindow(rest);
  if (sub == "gene") return StoreGene(rest);
  if (sub == "export") return StoreExport(rest);
  if (sub == "verify") return StoreVerify(rest);
  if (sub == "synth") return StoreSynth(rest);
  throw Error(ErrorCode::kInvalidArgument,
              "unknown subcommand 'store " + sub + "' (see getps store --help)");
}

}  // namespace getps::cli
