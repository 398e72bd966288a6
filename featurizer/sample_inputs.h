// The per-cell inputs of every sample, read into one set of cell types:
//   CountSamples       accessibility: each sample's fragments (or BAM)
//                      counted with its own barcodes (ForSample), summed;
//   PseudobulkSamples  expression: one RNA matrix for all samples (its
//                      barcodes spelled as in the table), or one per sample
//                      (each looked up through its sample's barcodes).
// With one sample the barcode table is used as it is.
#pragma once

#include <string>
#include <vector>

#include "featurizer/accessibility.h"
#include "featurizer/pseudobulk.h"
#include "featurizer/samples.h"

namespace getps {

enum class ReadsFormat { kFragments, kBam };

struct SampleInputs {
  std::vector<Sample> samples;
  ReadsFormat format = ReadsFormat::kFragments;
  SampleBarcodes style = kDefaultSampleBarcodes;
  const BarcodeTable* barcodes = nullptr;  // null: every read is one cell type
  std::string barcodes_path;               // for messages
};

// Throws kInvalidArgument when a sample has no barcode of the table, or
// none of a sample's reads carries one (naming the sample's file).
AccessibilityCounts CountSamples(const SampleInputs& in, const RegionIndex& regions,
                                 const CountOptions& options);

// `rna`: one matrix for all samples, or "" for the samples' own.
ExpressionTable PseudobulkSamples(const SampleInputs& in, const std::string& rna,
                                  const std::vector<GeneTss>& genes,
                                  const PseudobulkOptions& options);

}  // namespace getps
