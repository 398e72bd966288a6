// Several samples in one store: each sample's reads (a fragments file or a
// BAM) and optionally its own RNA matrix, with barcodes made unique across
// samples the way the barcode table spells them:
//   SampleBarcodes::kSuffix  Cell Ranger aggr: sample k's (1-based) barcode
//                            B-1 becomes B-k (a bare B also becomes B-k);
//   SampleBarcodes::kPrefix  "NAME:" + the sample's own barcode.
// The barcode table then lists unique barcodes, and ForSample turns it back
// into the table of one sample as its own files spell it, so counting reads
// a file without rewriting its barcodes.
#pragma once

#include <string>
#include <vector>

#include "featurizer/barcode_table.h"

namespace getps {

enum class SampleBarcodes { kSuffix, kPrefix };
inline constexpr SampleBarcodes kDefaultSampleBarcodes = SampleBarcodes::kSuffix;
const char* SampleBarcodesName(SampleBarcodes style);  // suffix, prefix
SampleBarcodes ParseSampleBarcodes(const std::string& name);

struct Sample {
  std::string name;
  std::string reads;  // fragments or BAM
  std::string rna;    // "" when the RNA comes in one matrix for all samples (or none)
};

// A TSV "sample<TAB>reads[<TAB>rna]" (a header line starting "sample" is
// skipped; relative paths are relative to the sheet's folder). Errors name
// the line.
std::vector<Sample> ReadSampleSheet(const std::string& path);

// Samples from parallel comma-separated lists (--samples, --fragments,
// --rna): names default to 1, 2, ...; `rna` is empty, one matrix for all,
// or one per sample. Throws kInvalidArgument when the counts disagree.
std::vector<Sample> SamplesFromLists(const std::vector<std::string>& names,
                                     const std::vector<std::string>& reads,
                                     const std::vector<std::string>& rna);

// The rows of `table` that belong to sample `index` (0-based) of `samples`,
// keyed by the barcode as that sample's files spell it (for kSuffix: B-1
// and B for a table barcode B-k, k = index + 1, and B-k itself). Cell types
// keep their indices; `cells` counts this sample's barcodes.
BarcodeTable ForSample(const BarcodeTable& table, const std::vector<Sample>& samples,
                       std::size_t index, SampleBarcodes style);

}  // namespace getps
