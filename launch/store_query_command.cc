// `getps store info | celltypes | region | window | gene`: read-only queries.
// Tables go to stdout as TSV (a header line first), so they pipe into other
// tools; errors go to stderr through main().
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "launch/command_line.h"
#include "launch/option_values.h"
#include "launch/store_commands.h"
#include "storage/batch_assembler.h"
#include "storage/gene_window.h"
#include "storage/genotype_overlay.h"
#include "storage/store_reader.h"
#include "storage/window_plan.h"

namespace getps::cli {
namespace {

void AddStoreOption(CommandSpec& spec) {
  spec.options.add_options()("store", po::value<std::string>()->required(),
                             "feature store directory");
}

// --genotypes G --individual ID: a person's window instead of the reference's.
void AddPersonOptions(CommandSpec& spec) {
  spec.options.add_options()("genotypes", po::value<std::string>(),
                             "genotype store (getps genotypes import): a person's window")(
      "individual", po::value<std::string>(), "sample ID of the person (with --genotypes)");
}

void ApplyPerson(const po::variables_map& vm, const StoreReader& store, Batch* batch) {
  if (!vm.count("genotypes") && !vm.count("individual")) return;
  if (!vm.count("genotypes") || !vm.count("individual"))
    throw Error(ErrorCode::kInvalidArgument, "--genotypes and --individual go together");
  auto genotypes = GenotypeReader::Open(vm["genotypes"].as<std::string>());
  const auto who = genotypes->IndividualIndex(vm["individual"].as<std::string>());
  GenotypeOverlay(store, *genotypes, who).Apply(batch);
}

std::unique_ptr<StoreReader> OpenStore(const po::variables_map& vm) {
  return StoreReader::Open(vm["store"].as<std::string>());
}

std::string HumanBytes(std::uint64_t bytes) {
  char buf[32];
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// Prints one assembled window: a row per region with its locus, the F
// features and the targets. `marker_row` (or -1) gets a '*' in column 1.
void PrintWindow(const StoreReader& store, const Batch& batch, long marker_row) {
  const auto& names = store.metadata().feature_names;
  std::cout << "row\tregion_id\tlocus";
  for (const auto& n : names) std::cout << "\t" << n;
  std::cout << "\taccessibility\tatac_target\texp_plus\texp_minus\ttss_plus\ttss_minus\n";
  const std::size_t w = batch.window_size, f = batch.num_features;
  for (std::size_t r = 0; r < w; ++r) {
    std::cout << r << (static_cast<long>(r) == marker_row ? "*" : "") << "\t" << batch.region_ids[r]
              << "\t" << store.regions().Describe(batch.region_ids[r]);
    for (std::size_t j = 0; j < f; ++j) std::cout << "\t" << batch.features[r * f + j];
    std::cout << "\t" << batch.atac[r] << "\t" << batch.expression[2 * r] << "\t"
              << batch.expression[2 * r + 1] << "\t" << batch.tss_mask[2 * r] << "\t"
              << batch.tss_mask[2 * r + 1] << "\n";
  }
}

}  // namespace

int StoreInfo(const std::vector<std::string>& args) {
  CommandSpec spec{
      "store info", "--store PATH",
      "Summary of a feature store: format, features, cell types, regions per chromosome\n"
      "and size on disk."};
  AddStoreOption(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = OpenStore(*vm);
  const StoreMetadata& m = store->metadata();
  std::cout << "store          " << store->path() << "\n"
            << "format version " << m.format_version << "\n"
            << "fingerprint    " << store->fingerprint() << "\n"
            << "genome build   " << m.genome_build << "\n"
            << "created by     " << m.created_by << "\n"
            << "motif features " << m.num_motifs() << " (" << MotifDtypeName(m.motif_dtype) << ")\n"
            << "cell types     " << store->celltypes().size() << "\n"
            << "regions        " << store->regions().size() << " on "
            << store->regions().chromosomes().size() << " chromosomes\n"
            << "size on disk   " << HumanBytes(store->SizeOnDisk()) << "\n";
  for (const auto& [input, digest] : m.input_checksums) {
    std::cout << "input          " << input << " " << digest << "\n";
  }
  std::cout << "\nchrom\tregions\tfirst_id\n";
  for (const auto& c : store->regions().chromosomes()) {
    std::cout << c.name << "\t" << c.count << "\t" << c.first_id << "\n";
  }
  return 0;
}

int StoreCellTypes(const std::vector<std::string>& args) {
  CommandSpec spec{"store celltypes", "--store PATH",
                   "The cell-type table as TSV: name, source, cells, library size, whether it has\n"
                   "expression labels, and how many regions are accessible in it."};
  AddStoreOption(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = OpenStore(*vm);
  std::cout << "name\tsource\tcells\tlibrary_size\thas_expression\taccessible_regions\n";
  for (std::size_t ct = 0; ct < store->celltypes().size(); ++ct) {
    const CellTypeInfo& c = store->celltypes()[ct];
    std::size_t accessible = 0;
    for (std::size_t chrom = 0; chrom < store->regions().chromosomes().size(); ++chrom) {
      accessible += store->Accessible(static_cast<int>(ct), static_cast<int>(chrom)).size();
    }
    std::cout << c.name << "\t" << c.source << "\t" << c.cell_count << "\t" << c.library_size
              << "\t" << (c.has_expression ? "yes" : "no") << "\t" << accessible << "\n";
  }
  return 0;
}

int StoreRegion(const std::vector<std::string>& args) {
  CommandSpec spec{
      "store region", "[--locus] LOCUS --store PATH [--celltype X]",
      "The regions overlapping LOCUS (chrom:start-end, 1-based inclusive, or a whole\n"
      "chromosome) with their named motif features: raw scores, or with --celltype the\n"
      "model's normalised values (score / the cell type's per-motif max, clipped to 1)\n"
      "and the cell type's accessibility and labels."};
  AddStoreOption(spec);
  spec.options.add_options()(
      "locus", po::value<std::string>()->required(),
      "LOCUS: chrom:start-end or chrom (also the first word without --locus)")(
      "celltype", po::value<std::string>(), "cell type for normalised features and labels");
  spec.positional.add("locus", 1);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = OpenStore(*vm);
  Locus locus = ParseLocus((*vm)["locus"].as<std::string>());
  const int chrom = store->ChromosomeIndex(locus.chrom);
  const int ct =
      vm->count("celltype") ? store->CellTypeIndex((*vm)["celltype"].as<std::string>()) : -1;
  auto [first, last] = store->regions().Overlapping(chrom, locus.start, locus.end);
  if (first == last) {
    throw Error(ErrorCode::kNotFound, "no region of store " + store->path() + " overlaps " +
                                          (*vm)["locus"].as<std::string>());
  }
  const std::size_t m = store->num_motifs();
  std::cout << "region_id\tlocus";
  for (const auto& n : store->metadata().feature_names) std::cout << "\t" << n;
  if (ct >= 0) std::cout << "\taccessible\tcount\tlogcpm\texp_plus\texp_minus\ttss_plus\ttss_minus";
  std::cout << "\n";
  std::vector<float> row(m);
  for (std::uint32_t id = first; id < last; ++id) {
    store->ReadMotifScores(id, row.data());
    std::cout << id << "\t" << store->regions().Describe(id);
    if (ct >= 0) {
      const auto& scale = store->MotifScale(ct);
      for (std::size_t j = 0; j < m; ++j) std::cout << "\t" << std::min(row[j] * scale[j], 1.0f);
      const AccessibleRegions& acc = store->Accessible(ct, chrom);
      if (const std::ptrdiff_t at = acc.IndexOf(id); at >= 0) {
        const auto k = static_cast<std::size_t>(at);
        std::cout << "\tyes\t" << acc.counts[k] << "\t" << acc.logcpm[k] << "\t"
                  << acc.expression[2 * k] << "\t" << acc.expression[2 * k + 1] << "\t"
                  << int(acc.tss[2 * k]) << "\t" << int(acc.tss[2 * k + 1]);
      } else {
        std::cout << "\tno\t0\t0\t0\t0\t0\t0";
      }
    } else {
      for (std::size_t j = 0; j < m; ++j) std::cout << "\t" << row[j];
    }
    std::cout << "\n";
  }
  return 0;
}

int StoreWindow(const std::vector<std::string>& args) {
  CommandSpec spec{"store window", "--store PATH --celltype X --chrom C --index I [options]",
                   "Window I of cell type X on chromosome C (windows of --window-size accessible\n"
                   "regions every --stride), assembled exactly as training sees it, as TSV."};
  AddStoreOption(spec);
  spec.options.add_options()("celltype", po::value<std::string>()->required(), "cell type")(
      "chrom", po::value<std::string>()->required(), "chromosome")(
      "index", po::value<std::uint32_t>()->required(), "window index (0-based)")(
      "window-size", po::value<std::uint32_t>()->default_value(kRegionsPerWindow),
      "regions per window")("stride",
                            po::value<std::uint32_t>()->default_value(WindowPlanOptions{}.stride),
                            "window stride")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "quantitative or binary");
  AddPersonOptions(spec);
  spec.ranges = WindowRanges();
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = OpenStore(*vm);
  const int ct = store->CellTypeIndex((*vm)["celltype"].as<std::string>());
  const int chrom = store->ChromosomeIndex((*vm)["chrom"].as<std::string>());
  const std::uint32_t size = (*vm)["window-size"].as<std::uint32_t>();
  const std::uint32_t stride = (*vm)["stride"].as<std::uint32_t>();
  const std::uint32_t index = (*vm)["index"].as<std::uint32_t>();
  if (size == 0 || stride == 0)
    throw Error(ErrorCode::kInvalidArgument, "--window-size and --stride must be positive");
  const auto n = static_cast<std::uint32_t>(store->Accessible(ct, chrom).size());
  const std::uint32_t count = WindowCount(n, size, stride);
  if (index >= count) {
    throw Error(ErrorCode::kOutOfRange,
                "window index " + std::to_string(index) +
                    " out of range: " + (*vm)["celltype"].as<std::string>() + " on " +
                    (*vm)["chrom"].as<std::string>() + " has " + std::to_string(count) +
                    " windows of " + std::to_string(size) + " regions (stride " +
                    std::to_string(stride) + ", " + std::to_string(n) + " accessible regions)");
  }
  BatchAssembler assembler(*store, {size, ParseAtacMode((*vm)["atac"].as<std::string>())});
  Batch batch;
  Window win{static_cast<std::uint16_t>(ct), static_cast<std::uint16_t>(chrom), index * stride};
  assembler.Assemble({&win, 1}, &batch);
  ApplyPerson(*vm, *store, &batch);
  PrintWindow(*store, batch, -1);
  return 0;
}

int StoreGene(const std::vector<std::string>& args) {
  CommandSpec spec{
      "store gene", "NAME --store PATH --celltype X [options]",
      "The window of --window-size accessible regions centred on the region holding the\n"
      "gene's TSS (as used for gene-level inference), as TSV; the gene's row is marked *."};
  AddStoreOption(spec);
  spec.options.add_options()("gene", po::value<std::string>()->required(), "gene name")(
      "celltype", po::value<std::string>()->required(), "cell type")(
      "window-size", po::value<std::uint32_t>()->default_value(kRegionsPerWindow),
      "regions per window")(
      "atac", po::value<std::string>()->default_value(kAtacModes.Name(AtacMode::kQuantitative)),
      "quantitative or binary");
  AddPersonOptions(spec);
  spec.ranges = WindowRanges();
  spec.positional.add("gene", 1);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto store = OpenStore(*vm);
  const std::string name = (*vm)["gene"].as<std::string>();
  const std::string ct_name = (*vm)["celltype"].as<std::string>();
  const int ct = store->CellTypeIndex(ct_name);
  const std::uint32_t size = (*vm)["window-size"].as<std::uint32_t>();
  if (size == 0) throw Error(ErrorCode::kInvalidArgument, "--window-size must be positive");
  auto gene = store->FindGene(name);
  if (!gene)
    throw Error(ErrorCode::kNotFound, "store " + store->path() + " has no gene '" + name + "'");
  const std::string tss = gene->chrom + ":" + std::to_string(gene->tss + 1);
  const GeneWindow gw = WindowAroundGene(*store, *gene, ct, size);
  BatchAssembler assembler(*store, {size, ParseAtacMode((*vm)["atac"].as<std::string>())});
  Batch batch;
  assembler.Assemble({&gw.window, 1}, &batch);
  ApplyPerson(*vm, *store, &batch);
  const auto id = static_cast<std::uint32_t>(gene->region_id);
  std::cout << "# gene " << name << " (" << gene->strand << " strand, TSS " << tss << ") in region "
            << store->regions().Describe(id) << ", row " << gw.row << " of the window\n";
  PrintWindow(*store, batch, static_cast<long>(gw.row));
  return 0;
}

}  // namespace getps::cli
