// Options several commands share to say which cells make each cell type and
// sample, and how RNA becomes labels (count, featurize, pseudobulk), each
// declared and read in one place with its default written once.
//   AddCellOptions  --barcode-column, --celltype-column, --samples,
//                   --sample-barcodes
//   AddRnaOptions   --rna-normalise, --rna-layer
#pragma once

#include "featurizer/barcode_table.h"
#include "featurizer/pseudobulk.h"
#include "featurizer/samples.h"
#include "launch/command_line.h"

namespace getps::cli {

void AddCellOptions(po::options_description& options);
BarcodeColumns ReadBarcodeColumns(const po::variables_map& vm);
SampleBarcodes ReadSampleBarcodes(const po::variables_map& vm);

void AddRnaOptions(po::options_description& options);
PseudobulkOptions ReadRnaOptions(const po::variables_map& vm);

}  // namespace getps::cli
