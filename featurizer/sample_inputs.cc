#include "featurizer/sample_inputs.h"

#include <deque>

#include "common/error.h"

namespace getps {
namespace {

AccessibilityCounts CountOne(const SampleInputs& in, const std::string& reads,
                             const RegionIndex& regions, const BarcodeTable* table,
                             const CountOptions& options) {
  AccessibilityCounts acc = in.format == ReadsFormat::kBam
                                ? CountBam(reads, regions, table, options)
                                : CountFragments(reads, regions, table, options);
  double library = 0;
  for (double l : acc.library_size) library += l;
  if (table && library == 0 && !table->barcodes.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "no read of " + reads + " has a barcode of the barcode table " + in.barcodes_path +
                    " (e.g. '" + table->barcodes.front() + "')" +
                    (in.samples.size() > 1 ? "" : "; for several samples give --samples"));
  }
  return acc;
}

// The barcode table of sample i, as its own files spell barcodes.
BarcodeTable SampleTable(const SampleInputs& in, std::size_t i) {
  BarcodeTable t = ForSample(*in.barcodes, in.samples, i, in.style);
  if (t.barcodes.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "no barcode of " + in.barcodes_path + " belongs to sample " + in.samples[i].name +
                    " (expected barcodes " +
                    (in.style == SampleBarcodes::kSuffix ? "ending -" + std::to_string(i + 1)
                                                         : "starting " + in.samples[i].name + ":") +
                    ", --sample-barcodes " + SampleBarcodesName(in.style) + ")");
  }
  return t;
}

}  // namespace

AccessibilityCounts CountSamples(const SampleInputs& in, const RegionIndex& regions,
                                 const CountOptions& options) {
  if (in.samples.empty()) throw Error(ErrorCode::kInvalidArgument, "no fragments or BAM given");
  if (in.samples.size() == 1)
    return CountOne(in, in.samples[0].reads, regions, in.barcodes, options);
  AccessibilityCounts total;
  for (std::size_t i = 0; i < in.samples.size(); ++i) {
    BarcodeTable own;
    if (in.barcodes) own = SampleTable(in, i);
    AccessibilityCounts acc =
        CountOne(in, in.samples[i].reads, regions, in.barcodes ? &own : nullptr, options);
    if (i == 0) {
      total = std::move(acc);
      continue;
    }
    for (std::size_t c = 0; c < total.counts.size(); ++c) {
      total.library_size[c] += acc.library_size[c];
      for (std::size_t r = 0; r < total.counts[c].size(); ++r)
        total.counts[c][r] += acc.counts[c][r];
    }
  }
  if (in.barcodes) total.cells = in.barcodes->cells;
  return total;
}

ExpressionTable PseudobulkSamples(const SampleInputs& in, const std::string& rna,
                                  const std::vector<GeneTss>& genes,
                                  const PseudobulkOptions& options) {
  if (!in.barcodes)
    throw Error(ErrorCode::kInvalidArgument,
                "--rna needs --barcodes: pseudobulk sums the RNA of each cell type's barcodes");
  std::deque<BarcodeTable> own;  // stable addresses for the sources
  std::vector<RnaSource> sources;
  if (!rna.empty()) sources.push_back({rna, in.barcodes});
  for (std::size_t i = 0; rna.empty() && i < in.samples.size(); ++i) {
    if (in.samples[i].rna.empty()) continue;
    own.push_back(in.samples.size() == 1 ? BarcodeTable{} : SampleTable(in, i));
    sources.push_back({in.samples[i].rna, in.samples.size() == 1 ? in.barcodes : &own.back()});
  }
  PseudobulkReport report;
  return Pseudobulk(sources, in.barcodes->celltypes, genes, in.barcodes_path, options, &report);
}

}  // namespace getps
