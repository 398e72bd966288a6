// `getps featurize`: standard inputs -> a feature store (featurizer/featurize.h).
#include <iostream>

#include "common/error.h"
#include "common/stage_times.h"
#include "featurizer/featurize.h"
#include "featurizer/motif_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"

namespace getps::cli {

namespace {

void AddFeaturizeOptions(CommandSpec& spec) {
  const FeaturizeOptions d;
  spec.options.add_options()("out", po::value<std::string>()->required(),
                             "store directory to create")("overwrite", po::bool_switch(),
                                                          "replace an existing store")(
      "peaks", po::value<std::string>()->required(), "union peak set, BED or narrowPeak (gz ok)")(
      "merge-overlaps", po::bool_switch(), "merge overlapping peaks (default: an error)")(
      "genome", po::value<std::string>()->required(),
      "reference FASTA (.fai built if missing; bgzip ok)")(
      "chrom-map", po::value<std::string>()->default_value(""), "TSV peak_chrom<TAB>genome_chrom")(
      "genome-build", Defaulted(d.genome_build), "recorded in the store (e.g. hg38)")(
      "fragments", Defaulted(d.fragments), "10x fragments file (any order; gz ok)")(
      "bam", Defaulted(d.bam), "BAM/SAM/CRAM of ATAC reads (CB tag = barcode)")(
      "barcodes", Defaulted(d.barcodes), "TSV barcode<TAB>celltype")(
      "celltype", Defaulted(d.single_celltype), "cell type name without --barcodes")(
      "counts", Defaulted(d.counts), "peak x cell type count matrix instead of fragments")(
      "count", po::value<std::string>()->default_value(CountModeName(d.count_mode)),
      "fragments or insertions")("logcpm-scale", Defaulted(d.logcpm_scale),
                                 "logCPM = log10(count / total * scale + 1)")(
      "min-cells", Defaulted(d.min_cells), "skip cell types with fewer cells")(
      "min-library", Defaulted(d.min_library), "skip cell types with a smaller library")(
      "gtf", Defaulted(d.gtf), "GTF with gene records (TSS per strand)")(
      "tss-bed", Defaulted(d.tss_bed), "TSS BED6 instead of a GTF")(
      "expression", Defaulted(d.expression), "gene x cell type table (CSV/TSV)")(
      "log-expression", po::bool_switch(), "apply log10(x + 1) to the expression table")(
      "min-acpm", Defaulted(d.min_acpm), "zero expression where region logCPM is below")(
      "dtype", po::value<std::string>()->default_value(MotifDtypeName(d.dtype)),
      "motif score storage: float16 or float32");
  AddMotifOptions(spec.options);
  AddMotifOptionRanges(spec);
  spec.ranges["logcpm-scale"] = Positive();
  spec.ranges["min-cells"] = NonNegative();
  spec.ranges["min-library"] = NonNegative();
  spec.ranges["min-acpm"] = Finite();
  spec.path_options = {"out",        "peaks",    "genome",   "chrom-map",    "fragments",
                       "bam",        "barcodes", "counts",   "gtf",          "tss-bed",
                       "expression", "motifs",   "clusters", "cluster-names"};
}

FeaturizeOptions ReadFeaturizeOptions(const po::variables_map& vm) {
  auto get = [&](const char* k) { return vm[k].as<std::string>(); };
  FeaturizeOptions o;
  o.out = get("out");
  o.overwrite = vm["overwrite"].as<bool>();
  o.peaks = get("peaks");
  o.overlaps = vm["merge-overlaps"].as<bool>() ? OverlapPolicy::kMerge : OverlapPolicy::kError;
  if (!get("chrom-map").empty()) o.chrom_map = ReadChromMap(get("chrom-map"));
  o.genome_build = get("genome-build");
  o.fragments = get("fragments");
  o.bam = get("bam");
  o.barcodes = get("barcodes");
  o.single_celltype = get("celltype");
  o.counts = get("counts");
  if (!o.fragments.empty() + !o.bam.empty() + !o.counts.empty() != 1)
    throw Error(ErrorCode::kInvalidArgument,
                "getps featurize: give exactly one of --fragments, --bam and --counts");
  o.count_mode = ParseCountMode(get("count"));
  o.logcpm_scale = vm["logcpm-scale"].as<double>();
  o.min_cells = vm["min-cells"].as<std::int64_t>();
  o.min_library = vm["min-library"].as<double>();
  o.gtf = get("gtf");
  o.tss_bed = get("tss-bed");
  if (!o.gtf.empty() && !o.tss_bed.empty())
    throw Error(ErrorCode::kInvalidArgument, "getps featurize: give --gtf or --tss-bed, not both");
  o.expression = get("expression");
  o.log_expression = vm["log-expression"].as<bool>();
  o.min_acpm = vm["min-acpm"].as<double>();
  o.dtype = ParseMotifDtype(get("dtype"));
  o.threads = vm["threads"].as<int>();
  o.device = get("device");
  o.progress = !vm["quiet"].as<bool>();
  for (const char* k : {"peaks", "genome", "fragments", "bam", "barcodes", "counts", "gtf",
                        "tss-bed", "expression", "clusters", "cluster-names"}) {
    if (!get(k).empty()) o.checksum_inputs.push_back(get(k));
  }
  for (const auto& f : SplitList(get("motifs"))) o.checksum_inputs.push_back(f);
  return o;
}

}  // namespace

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
  AddFeaturizeOptions(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const FeaturizeOptions o = ReadFeaturizeOptions(*vm);
  StageTimes stages;
  stages.Start("genome and motifs");  // the index, the background, thresholds
  auto genome = Genome::Open((*vm)["genome"].as<std::string>());
  const MotifSet motifs = LoadMotifSet(*vm, *genome);
  Featurize(o, *genome, motifs, &stages);
  std::cout << "wrote " << o.out << "\n";
  return 0;
}

}  // namespace getps::cli
