// `getps count`: accessibility counts of a peak set per cell type, from a
// fragments file streamed once in any order — the peak x cell type matrix
// that `getps featurize --counts` also accepts.
#include <cstdint>
#include <cstdio>
#include <memory>

#include "common/error.h"
#include "common/log.h"
#include "common/parallel.h"
#include "featurizer/accessibility.h"
#include "featurizer/peaks.h"
#include "featurizer/sample_inputs.h"
#include "launch/cell_options.h"
#include "launch/command_line.h"
#include "launch/commands.h"
#include "launch/option_values.h"

namespace getps::cli {

namespace {

// The peak x cell type table: chrom, start, end, then one count per cell type.
void WriteCounts(const RegionIndex& regions, const AccessibilityCounts& counts,
                 const std::string& out) {
  OutputFile file = OpenOutput(out);
  std::fputs("chrom\tstart\tend", file.get());
  for (const auto& c : counts.celltypes) std::fprintf(file.get(), "\t%s", c.c_str());
  std::fputc('\n', file.get());
  for (std::uint32_t id = 0; id < regions.size(); ++id) {
    std::fprintf(
        file.get(), "%s\t%u\t%u",
        regions.chromosomes()[static_cast<std::size_t>(regions.ChromosomeOf(id))].name.c_str(),
        regions.start(id), regions.end(id));
    for (const auto& c : counts.counts) std::fprintf(file.get(), "\t%.0f", c[id]);
    std::fputc('\n', file.get());
  }
  if (std::ferror(file.get())) throw Error(ErrorCode::kIOError, "error writing " + out);
}

}  // namespace

int RunCount(const std::vector<std::string>& args) {
  CommandSpec spec(
      "count",
      "--peaks BED (--fragments TSV.GZ[,...] | --bam BAM[,...]) [--barcodes TABLE] [--count "
      "fragments|insertions] --out TSV",
      "Counts fragments (as `bedtools intersect -c` does: once per overlapped peak) or Tn5\n"
      "insertions per peak and cell type. The fragments file may be plain, gzip or BGZF and in\n"
      "any order; no index is needed. Without --barcodes every fragment counts for one\n"
      "column named by --celltype. Several files are samples, each counted with its own\n"
      "barcodes (see --sample-barcodes) and summed.");
  spec.options.add_options()("peaks", po::value<std::string>()->required(),
                             "BED/narrowPeak (gz ok)")(
      "fragments", po::value<std::string>()->default_value(""),
      "10x fragments file; comma-separated, one per sample")(
      "bam", po::value<std::string>()->default_value(""),
      "BAM/SAM/CRAM of ATAC reads instead (CB tag = barcode); comma-separated, one per sample")(
      "barcodes", po::value<std::string>()->default_value(""),
      "barcode -> cell type table, CSV or TSV (header optional)")(
      "celltype", Defaulted(CountOptions{}.single_celltype), "column name without --barcodes")(
      "count", po::value<std::string>()->default_value("fragments"), "fragments or insertions")(
      "merge-overlaps", po::bool_switch(), "merge overlapping peaks instead of failing")(
      "out", po::value<std::string>()->default_value("-"), "output TSV ('-': standard output)")(
      "threads", po::value<int>()->default_value(0),
      "threads, this one included: the others decompress BGZF fragments or a BAM (0: all cores)")(
      "quiet", po::bool_switch(), kQuietHelp);
  AddCellOptions(spec.options);
  spec.ranges = {{"threads", ThreadCount()}};
  auto vm = Parse(args, spec);
  if (!vm) return 0;
  const CountMode count_mode = ParseCountMode((*vm)["count"].as<std::string>());
  std::vector<Region> peaks =
      ReadPeaks((*vm)["peaks"].as<std::string>(),
                (*vm)["merge-overlaps"].as<bool>() ? OverlapPolicy::kMerge : OverlapPolicy::kError);
  RegionIndex regions = RegionIndex::FromUnsorted(peaks);
  auto get = [&](const char* k) { return (*vm)[k].as<std::string>(); };
  std::unique_ptr<BarcodeTable> barcodes;
  if (!get("barcodes").empty()) {
    barcodes =
        std::make_unique<BarcodeTable>(ReadBarcodeTable(get("barcodes"), ReadBarcodeColumns(*vm)));
  }
  if (get("fragments").empty() == get("bam").empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "getps count: give exactly one of --fragments and --bam");
  }
  const ReadsFormat format = get("bam").empty() ? ReadsFormat::kFragments : ReadsFormat::kBam;
  const SampleInputs in{
      SamplesFromLists(SplitList(get("samples")),
                       SplitList(get(format == ReadsFormat::kBam ? "bam" : "fragments")), {}),
      format, ReadSampleBarcodes(*vm), barcodes.get(), get("barcodes")};
  const CountOptions options{count_mode, get("celltype"), !(*vm)["quiet"].as<bool>(),
                             ResolveThreads((*vm)["threads"].as<int>())};
  AccessibilityCounts counts = CountSamples(in, regions, options);
  WriteCounts(regions, counts, (*vm)["out"].as<std::string>());
  if (counts.parts > 1)
    LogInfo("count: read in " + std::to_string(counts.parts) + " parts side by side");
  for (std::size_t c = 0; c < counts.celltypes.size(); ++c) {
    LogInfo("count: " + counts.celltypes[c] + ": " + std::to_string(counts.cells[c]) +
            " cells, library size " +
            std::to_string(static_cast<long long>(counts.library_size[c])));
  }
  return 0;
}

}  // namespace getps::cli
