// `getps featurize`: standard inputs -> a feature store (featurizer/featurize.h).
#include <iostream>

#include "common/error.h"
#include "featurizer/featurize.h"
#include "featurizer/motif_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"

namespace getps::cli {

int RunFeaturize(const std::vector<std::string>& args) {
  CommandSpec spec(
      "featurize",
      "--peaks BED --genome FA --motifs FILES ((--fragments F | --bam B) [--barcodes T] | --counts "
      "M) "
      "[--gtf G | --tss-bed B] [--expression E] --out STORE",
      "Builds a feature store: the union peak set as regions; per region the motif feature\n"
      "values (sum of non-overlapping best matches per cluster, both strands); per cell type\n"
      "accessibility (counts, logCPM) and expression labels per strand. `getps simulate`\n"
      "writes a ready config: getps featurize --config DIR/featurize.cfg --out STORE");
  spec.options.add_options()("out", po::value<std::string>()->required(),
                             "store directory to create")("overwrite", po::bool_switch(),
                                                          "replace an existing store")(
      "peaks", po::value<std::string>()->required(), "union peak set, BED or narrowPeak (gz ok)")(
      "merge-overlaps", po::bool_switch(), "merge overlapping peaks (default: an error)")(
      "genome", po::value<std::string>()->required(),
      "reference FASTA (.fai built if missing; bgzip ok)")(
      "chrom-map", po::value<std::string>()->default_value(""), "TSV peak_chrom<TAB>genome_chrom")(
      "genome-build", po::value<std::string>()->default_value(""),
      "recorded in the store (e.g. hg38)")("fragments", po::value<std::string>()->default_value(""),
                                           "10x fragments file (any order; gz ok)")(
      "bam", po::value<std::string>()->default_value(""),
      "BAM/SAM/CRAM of ATAC reads (CB tag = barcode)")(
      "barcodes", po::value<std::string>()->default_value(""), "TSV barcode<TAB>celltype")(
      "celltype", po::value<std::string>()->default_value("all"),
      "cell type name without --barcodes")("counts", po::value<std::string>()->default_value(""),
                                           "peak x cell type count matrix instead of fragments")(
      "count", po::value<std::string>()->default_value("fragments"), "fragments or insertions")(
      "logcpm-scale", po::value<double>()->default_value(1e6),
      "logCPM = log10(count / total * scale + 1)")(
      "min-cells", po::value<std::int64_t>()->default_value(600),
      "skip cell types with fewer cells")("min-library", po::value<double>()->default_value(0),
                                          "skip cell types with a smaller library")(
      "gtf", po::value<std::string>()->default_value(""), "GTF with gene records (TSS per strand)")(
      "tss-bed", po::value<std::string>()->default_value(""), "TSS BED6 instead of a GTF")(
      "expression", po::value<std::string>()->default_value(""),
      "gene x cell type table (CSV/TSV)")("log-expression", po::bool_switch(),
                                          "apply log10(x + 1) to the expression table")(
      "min-acpm", po::value<double>()->default_value(0.05),
      "zero expression where region logCPM is below")(
      "dtype", po::value<std::string>()->default_value("float16"),
      "motif score storage: float16 or float32");
  AddMotifOptions(spec.options);
  spec.path_options = {"out",        "peaks",    "genome",   "chrom-map",    "fragments",
                       "bam",        "barcodes", "counts",   "gtf",          "tss-bed",
                       "expression", "motifs",   "clusters", "cluster-names"};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  FeaturizeOptions o;
  o.out = get("out");
  o.overwrite = (*vm)["overwrite"].as<bool>();
  o.peaks = get("peaks");
  o.overlaps = (*vm)["merge-overlaps"].as<bool>() ? OverlapPolicy::kMerge : OverlapPolicy::kError;
  if (!get("chrom-map").empty()) o.chrom_map = ReadChromMap(get("chrom-map"));
  o.genome_build = get("genome-build");
  o.fragments = get("fragments");
  o.bam = get("bam");
  o.barcodes = get("barcodes");
  o.single_celltype = get("celltype");
  o.counts = get("counts");
  if (!o.fragments.empty() + !o.bam.empty() + !o.counts.empty() != 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "getps featurize: give exactly one of --fragments, --bam and --counts");
  }
  o.count_mode = ParseCountMode(get("count"));
  o.logcpm_scale = (*vm)["logcpm-scale"].as<double>();
  o.min_cells = (*vm)["min-cells"].as<std::int64_t>();
  o.min_library = (*vm)["min-library"].as<double>();
  o.gtf = get("gtf");
  o.tss_bed = get("tss-bed");
  if (!o.gtf.empty() && !o.tss_bed.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "getps featurize: give --gtf or --tss-bed, not both");
  }
  o.expression = get("expression");
  o.log_expression = (*vm)["log-expression"].as<bool>();
  o.min_acpm = (*vm)["min-acpm"].as<double>();
  o.dtype = ParseMotifDtype(get("dtype"));
  o.threads = (*vm)["threads"].as<int>();
  o.device = get("device");
  o.progress = !(*vm)["quiet"].as<bool>();
  for (const char* k : {"peaks", "genome", "fragments", "bam", "barcodes", "counts", "gtf",
                        "tss-bed", "expression", "clusters", "cluster-names"}) {
    if (!get(k).empty()) o.checksum_inputs.push_back(get(k));
  }
  for (const auto& f : SplitList(get("motifs"))) o.checksum_inputs.push_back(f);
  auto genome = Genome::Open(get("genome"));
  const MotifSet motifs = LoadMotifSet(*vm, *genome);
  Featurize(o, *genome, motifs);
  std::cout << "wrote " << o.out << "\n";
  return 0;
}

}  // namespace getps::cli
