// Pseudobulk: RNA counts summed per cell type over the barcodes of the
// barcode table, normalised and log-transformed into the expression table
// featurize labels regions with (the table --expression reads).
//
//   counts    every RnaMatrix value of a gene-expression feature whose
//             barcode is in the table, summed per cell type and gene;
//   CPM       count / (all gene-expression counts of the cell type) x 1e6;
//   TPM       (count / length) / sum over annotated genes of (count /
//             length) x 1e6, length = the gene's exons merged (its span
//             when the GTF lists no exons) from --gtf;
//   value     log10(x + 1).
// Genes are matched to the annotation by name first, then by ID (the
// matrix's gene ID, or its name when that is an ID), Ensembl versions
// stripped on both sides; features matched to one annotated gene add up.
// Without an annotation (`genes` empty) genes keep the matrix's names (CPM
// only). A cell type with no barcode in the matrix has no column.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "featurizer/annotation.h"
#include "featurizer/barcode_table.h"
#include "featurizer/rna_matrix.h"

namespace getps {

enum class RnaNormalise { kCpm, kTpm };
const char* RnaNormaliseName(RnaNormalise n);  // cpm, tpm
RnaNormalise ParseRnaNormalise(const std::string& name);

struct PseudobulkOptions {
  RnaNormalise normalise = RnaNormalise::kCpm;
  RnaLayer layer = RnaLayer::kAuto;
};

// One matrix and the barcode table its barcodes are looked up in (a
// sample's own, see ForSample; not null, must outlive the call).
struct RnaSource {
  std::string path;
  const BarcodeTable* barcodes = nullptr;
};

// What was matched, for the log and the tests.
struct PseudobulkReport {
  std::size_t barcodes = 0, barcodes_in_table = 0;
  std::size_t genes = 0, by_name = 0, by_id = 0, unmatched = 0, not_genes = 0;
  std::vector<std::int64_t> cells;  // per cell type of the table
};

// The table's cell types are `celltypes` (the barcode tables' shared list).
// Throws (kInvalidArgument) when TPM is asked without gene lengths, and
// when no barcode of a matrix is in its table, naming both files and an
// example barcode of each.
ExpressionTable Pseudobulk(const std::vector<RnaSource>& sources,
                           const std::vector<std::string>& celltypes,
                           const std::vector<GeneTss>& genes, const std::string& barcodes_path,
                           const PseudobulkOptions& options, PseudobulkReport* report);

// Writes `table` as the TSV --expression reads (gene, then one column per
// cell type, genes sorted; values in the shortest form that reads back
// exactly). The values are already log10(x + 1): read it back without
// --log-expression.
void WriteExpressionTable(const ExpressionTable& table, std::ostream& out);

}  // namespace getps
