#include "featurizer/individual_expression.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "common/error.h"
#include "common/log.h"
#include "featurizer/annotation.h"
#include "storage/store_reader.h"

namespace getps {

std::vector<IndividualExpressionInput> ParseIndividualExpression(const std::string& text) {
  std::vector<IndividualExpressionInput> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    const std::string part = text.substr(from, comma - from);
    from = comma + 1;
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == part.size())
      throw Error(ErrorCode::kInvalidArgument,
                  "--expression-individuals: '" + part + "': expected CELLTYPE=FILE");
    out.push_back({part.substr(0, eq), part.substr(eq + 1)});
  }
  return out;
}

namespace {

// The table's column of each individual; throws naming the missing ones.
std::vector<std::size_t> ColumnsOf(const ExpressionTable& table,
                                   const std::vector<std::string>& individuals,
                                   const std::string& path, std::uint64_t* ignored) {
  std::map<std::string, std::size_t> column;
  for (std::size_t k = 0; k < table.celltypes.size(); ++k) column.emplace(table.celltypes[k], k);
  std::vector<std::size_t> out;
  std::string missing;
  std::size_t count = 0;
  for (const std::string& id : individuals) {
    const auto it = column.find(id);
    if (it != column.end()) {
      out.push_back(it->second);
      continue;
    }
    if (count++ < 5) missing += (missing.empty() ? "" : ", ") + id;
  }
  if (count)
    throw Error(ErrorCode::kInvalidArgument,
                path + ": no column for " + std::to_string(count) + " of the " +
                    std::to_string(individuals.size()) + " individuals of the VCF (" + missing +
                    (count > 5 ? ", ..." : "") +
                    "); its header names the samples: gene, then one sample ID per column "
                    "(give --samples to import fewer individuals)");
  *ignored = table.celltypes.size() - individuals.size();
  if (*ignored)
    LogWarning(path + ": " + std::to_string(*ignored) +
               " columns name samples that are not individuals of the import: ignored");
  return out;
}

}  // namespace

IndividualExpression ReadIndividualExpression(const IndividualExpressionInput& input,
                                              const StoreReader& store,
                                              const std::vector<std::string>& individuals,
                                              bool log10_plus_one) {
  const ExpressionTable table = ReadExpression(input.path, log10_plus_one);
  IndividualExpression out;
  out.celltype = static_cast<std::uint16_t>(store.CellTypeIndex(input.celltype));
  const std::vector<std::size_t> columns =
      ColumnsOf(table, individuals, input.path, &out.columns_ignored);
  const std::vector<GeneRecord> genes = store.Genes();
  out.of_individual.assign(
      individuals.size(),
      std::vector<float>(genes.size(), std::numeric_limits<float>::quiet_NaN()));
  std::map<std::string, std::size_t> gene_index;
  for (std::size_t g = 0; g < genes.size(); ++g) gene_index.emplace(genes[g].name, g);
  for (const auto& [name, values] : table.of_gene) {
    const auto it = gene_index.find(name);
    if (it == gene_index.end()) {
      ++out.genes_unknown;
      continue;
    }
    ++out.genes_matched;
    for (std::size_t k = 0; k < individuals.size(); ++k)
      out.of_individual[k][it->second] = static_cast<float>(values[columns[k]]);
  }
  if (out.genes_matched == 0)
    throw Error(ErrorCode::kInvalidArgument, input.path + ": none of its " +
                                                 std::to_string(table.of_gene.size()) +
                                                 " genes is a gene of store " + store.path());
  return out;
}

}  // namespace getps
