// Per-individual expression for a genotype store: one genes x individuals
// table per store cell type (a header "gene, then one sample ID per column",
// CSV or TSV, read as ReadExpression reads a genes x cell types table),
// aligned to the store's genes and to the cohort's individuals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace getps {

class StoreReader;

struct IndividualExpressionInput {
  std::string celltype;  // a cell type of the store
  std::string path;
};

// Parses "CELLTYPE=FILE[,CELLTYPE=FILE...]"; Error(kInvalidArgument) naming
// the part that is not of that form.
std::vector<IndividualExpressionInput> ParseIndividualExpression(const std::string& text);

struct IndividualExpression {
  std::uint16_t celltype = 0;  // index in the store
  // [individual][store gene, in StoreReader::Genes() order]; NaN where the
  // table has no row for the gene.
  std::vector<std::vector<float>> of_individual;
  std::uint64_t genes_matched = 0;    // table rows naming a store gene
  std::uint64_t genes_unknown = 0;    // rows naming none (not stored)
  std::uint64_t columns_ignored = 0;  // sample IDs that are not individuals of the cohort
};

// Reads one table. Every individual needs a column: otherwise
// Error(kInvalidArgument) naming the file and the first missing sample IDs.
// Columns of other samples are ignored with a warning. `log10_plus_one`
// takes log10(x + 1) of every value.
IndividualExpression ReadIndividualExpression(const IndividualExpressionInput& input,
                                              const StoreReader& store,
                                              const std::vector<std::string>& individuals,
                                              bool log10_plus_one);

}  // namespace getps
