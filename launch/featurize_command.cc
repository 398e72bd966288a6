// `getps featurize`: standard inputs -> a feature store (featurizer/featurize.h).
#include <algorithm>
#include <cstdint>
#include <iostream>

#include "common/error.h"
#include "common/stage_times.h"
#include "featurizer/featurize.h"
#include "featurizer/motif_options.h"
#include "launch/cell_options.h"
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
      "fragments", po::value<std::string>()->default_value(""),
      "10x fragments file (any order; gz ok); comma-separated, one per sample")(
      "bam", po::value<std::string>()->default_value(""),
      "BAM/SAM/CRAM of ATAC reads (CB tag = barcode); comma-separated, one per sample")(
      "sample-sheet", po::value<std::string>()->default_value(""),
      "TSV sample<TAB>fragments-or-BAM[<TAB>rna] instead of the lists")(
      "barcodes", Defaulted(d.barcodes),
      "barcode -> cell type table, CSV or TSV (header optional; Seurat/scanpy exports ok)")(
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
      "rna", po::value<std::string>()->default_value(""),
      "RNA counts, 10x .h5 or AnnData .h5ad, pseudobulked per cell type into log10(x + 1) "
      "labels instead of --expression; comma-separated: one per sample")(
      "min-acpm", Defaulted(d.min_acpm), "zero expression where region logCPM is below")(
      "dtype", po::value<std::string>()->default_value(MotifDtypeName(d.dtype)),
      "motif score storage: float16 or float32");
  AddCellOptions(spec.options);
  AddRnaOptions(spec.options);
  AddMotifOptions(spec.options);
  AddMotifOptionRanges(spec);
  spec.ranges["logcpm-scale"] = Positive();
  spec.ranges["min-cells"] = NonNegative();
  spec.ranges["min-library"] = NonNegative();
  spec.ranges["min-acpm"] = Finite();
  spec.path_options = {"out",          "peaks",  "genome",   "chrom-map",    "fragments",  "bam",
                       "barcodes",     "counts", "gtf",      "tss-bed",      "expression", "rna",
                       "sample-sheet", "motifs", "clusters", "cluster-names"};
}

// The samples' reads and RNA: --sample-sheet, or the --fragments/--bam,
// --samples and --rna lists; exactly one source of reads unless --counts.
void ReadSamples(const po::variables_map& vm, FeaturizeOptions& o) {
  auto get = [&](const char* k) { return vm[k].as<std::string>(); };
  const bool sheet = !get("sample-sheet").empty();
  if (sheet + !get("fragments").empty() + !get("bam").empty() + !get("counts").empty() != 1)
    throw Error(
        ErrorCode::kInvalidArgument,
        "getps featurize: give exactly one of --fragments, --bam, --sample-sheet and --counts");
  o.reads = get("bam").empty() ? ReadsFormat::kFragments : ReadsFormat::kBam;
  o.sample_barcodes = ReadSampleBarcodes(vm);
  const auto rna = SplitList(get("rna"));
  if (sheet) {
    if (!get("samples").empty())
      throw Error(ErrorCode::kInvalidArgument,
                  "getps featurize: --sample-sheet names the samples; drop --samples");
    o.samples = ReadSampleSheet(get("sample-sheet"));
  } else if (get("counts").empty()) {
    o.samples =
        SamplesFromLists(SplitList(get("samples")),
                         SplitList(get(o.reads == ReadsFormat::kBam ? "bam" : "fragments")), rna);
  }
  if (rna.size() == 1) o.rna = rna[0];
  const auto with_rna = std::count_if(o.samples.begin(), o.samples.end(),
                                      [](const Sample& s) { return !s.rna.empty(); });
  if (with_rna > 0 && (!o.rna.empty() || with_rna < static_cast<long>(o.samples.size())))
    throw Error(ErrorCode::kInvalidArgument,
                "getps featurize: give every sample its own RNA (" + std::to_string(with_rna) +
                    " of " + std::to_string(o.samples.size()) +
                    " have one) or one --rna matrix for all, not both");
  if (sheet && rna.size() > 1)
    throw Error(ErrorCode::kInvalidArgument,
                "getps featurize: with --sample-sheet, give per-sample RNA in the sheet");
  if (!get("counts").empty() && rna.size() > 1)
    throw Error(ErrorCode::kInvalidArgument, "getps featurize: --counts takes one --rna matrix");
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
  ReadSamples(vm, o);
  o.barcodes = get("barcodes");
  o.barcode_columns = ReadBarcodeColumns(vm);
  o.single_celltype = get("celltype");
  o.counts = get("counts");
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
  o.rna_options = ReadRnaOptions(vm);
  if (!o.expression.empty() && HasRna(o))
    throw Error(ErrorCode::kInvalidArgument,
                "getps featurize: give --expression or --rna, not both");
  o.min_acpm = vm["min-acpm"].as<double>();
  o.dtype = ParseMotifDtype(get("dtype"));
  o.threads = vm["threads"].as<int>();
  o.device = get("device");
  o.device_scan = ReadTorchScanOptions(vm);
  o.progress = !vm["quiet"].as<bool>();
  for (const char* k : {"peaks", "genome", "barcodes", "counts", "gtf", "tss-bed", "expression",
                        "sample-sheet", "clusters", "cluster-names"}) {
    if (!get(k).empty()) o.checksum_inputs.push_back(get(k));
  }
  for (const auto& f : SplitList(get("motifs"))) o.checksum_inputs.push_back(f);
  if (!o.rna.empty()) o.checksum_inputs.push_back(o.rna);
  for (const Sample& s : o.samples) {
    for (const std::string* f : {&s.reads, &s.rna})
      if (!f->empty()) o.checksum_inputs.push_back(*f);
  }
  return o;
}

}  // namespace

int RunFeaturize(const std::vector<std::string>& args, const LibTorchParts& parts) {
  CommandSpec spec(
      "featurize",
      "--peaks BED --genome FA --motifs FILES ((--fragments F | --bam B | --sample-sheet S) "
      "[--barcodes T] | --counts M) [--gtf G | --tss-bed B] [--expression E | --rna H5] --out "
      "STORE",
      "Builds a feature store: the union peak set as regions; per region the motif feature\n"
      "values (sum of non-overlapping best matches per cluster, both strands); per cell type\n"
      "accessibility (counts, logCPM) and expression labels per strand. `getps simulate`\n"
      "writes a ready config: getps featurize --config DIR/featurize.cfg --out STORE");
  AddFeaturizeOptions(spec);
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  FeaturizeOptions o = ReadFeaturizeOptions(*vm);
  RequireDeviceScanner(o.device, parts);
  o.device_scanner = parts.device_scanner;
  StageTimes stages;
  stages.Start("genome and motifs");  // the index, the background, thresholds
  auto genome = Genome::Open((*vm)["genome"].as<std::string>());
  const MotifSet motifs = LoadMotifSet(*vm, *genome);
  Featurize(o, *genome, motifs, &stages);
  std::cout << "wrote " << o.out << "\n";
  return 0;
}

}  // namespace getps::cli
