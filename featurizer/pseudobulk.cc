#include "featurizer/pseudobulk.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/enum_names.h"
#include "common/error.h"
#include "common/log.h"
#include "common/parse.h"

namespace getps {
namespace {

constexpr EnumNames<RnaNormalise, 2> kNormalise{
    {{{RnaNormalise::kCpm, "cpm"}, {RnaNormalise::kTpm, "tpm"}}}};

// Matrix gene -> annotated gene (index into `genes`; -1: unmatched).
class GeneMatcher {
 public:
  explicit GeneMatcher(const std::vector<GeneTss>& genes) {
    for (std::size_t i = 0; i < genes.size(); ++i) {
      by_name_.emplace(genes[i].name, static_cast<int>(i));
      if (!genes[i].id.empty()) by_id_.emplace(genes[i].id, static_cast<int>(i));
    }
  }

  // The matrix's gene ID first (names repeat: 10x lists a dozen symbols
  // twice), then its name, then its name as an ID (var_names of IDs).
  int Match(const std::string& name, const std::string& id, PseudobulkReport* r) const {
    if (!id.empty()) {
      if (auto it = by_id_.find(WithoutVersion(id)); it != by_id_.end())
        return ++r->by_id, it->second;
    }
    if (auto it = by_name_.find(name); it != by_name_.end()) return ++r->by_name, it->second;
    if (auto it = by_id_.find(WithoutVersion(name)); it != by_id_.end())
      return ++r->by_id, it->second;
    ++r->unmatched;
    return -1;
  }

 private:
  std::unordered_map<std::string, int> by_name_, by_id_;
};

[[noreturn]] void NoBarcodeInTable(const RnaMatrix& m, const BarcodeTable& t,
                                   const std::string& table_path) {
  throw Error(ErrorCode::kInvalidArgument,
              "none of the " + std::to_string(m.barcodes().size()) + " barcodes of " + m.path() +
                  (m.barcodes().empty() ? "" : " (e.g. '" + m.barcodes().front() + "')") +
                  " is in the barcode table " + table_path +
                  (t.barcodes.empty() ? "" : " (e.g. '" + t.barcodes.front() + "')") +
                  "; for several samples give --samples or --sample-sheet and "
                  "--sample-barcodes suffix|prefix as the table spells them");
}

// Adds one matrix's counts into sums[cell type][output gene] and the
// libraries; `column_of[g]` is matrix gene g's output gene (-1: none).
void Accumulate(const RnaMatrix& m, const BarcodeTable& table, const std::vector<int>& column_of,
                std::vector<std::vector<double>>& sums, std::vector<double>& library,
                PseudobulkReport* report) {
  std::vector<int> celltype_of(m.barcodes().size());
  std::size_t found = 0;
  for (std::size_t b = 0; b < celltype_of.size(); ++b) {
    celltype_of[b] = table.celltype_of.Find(m.barcodes()[b]);
    if (celltype_of[b] >= 0) ++found, ++report->cells[static_cast<std::size_t>(celltype_of[b])];
  }
  report->barcodes += celltype_of.size();
  report->barcodes_in_table += found;
  m.ForEach([&](std::size_t cell, std::size_t gene, double count) {
    const int ct = celltype_of[cell];
    if (ct < 0 || !m.IsGene(gene)) return;
    library[static_cast<std::size_t>(ct)] += count;
    if (column_of[gene] >= 0)
      sums[static_cast<std::size_t>(ct)][static_cast<std::size_t>(column_of[gene])] += count;
  });
}

}  // namespace

const char* RnaNormaliseName(RnaNormalise n) { return kNormalise.Name(n); }
RnaNormalise ParseRnaNormalise(const std::string& name) {
  return kNormalise.Parse("--rna-normalise", name);
}

ExpressionTable Pseudobulk(const std::vector<RnaSource>& sources,
                           const std::vector<std::string>& celltypes,
                           const std::vector<GeneTss>& genes, const std::string& barcodes_path,
                           const PseudobulkOptions& o, PseudobulkReport* report) {
  const bool tpm = o.normalise == RnaNormalise::kTpm;
  if (tpm &&
      std::none_of(genes.begin(), genes.end(), [](const GeneTss& g) { return g.length > 0; }))
    throw Error(ErrorCode::kInvalidArgument,
                "--rna-normalise tpm needs gene lengths from --gtf (or use --rna-normalise cpm)");
  *report = {};
  report->cells.assign(celltypes.size(), 0);
  const GeneMatcher matcher(genes);
  std::vector<std::string> names;  // output genes
  std::vector<double> lengths;     // theirs, for TPM (the annotated gene's)
  std::unordered_map<std::string, int> column_of_name;
  std::vector<std::vector<double>> sums(celltypes.size());
  std::vector<double> library(celltypes.size(), 0.0);
  for (const RnaSource& source : sources) {
    const RnaMatrix m(source.path, o.layer);
    std::vector<int> column_of(m.gene_names().size(), -1);
    for (std::size_t g = 0; g < column_of.size(); ++g) {
      if (!m.IsGene(g)) {
        ++report->not_genes;
        continue;
      }
      ++report->genes;
      const int a = genes.empty() ? 0 : matcher.Match(m.gene_names()[g], m.gene_ids()[g], report);
      if (a < 0) continue;
      const std::string& name =
          genes.empty() ? m.gene_names()[g] : genes[static_cast<std::size_t>(a)].name;
      auto [it, added] = column_of_name.emplace(name, static_cast<int>(names.size()));
      if (added) {
        names.push_back(name);
        lengths.push_back(
            genes.empty() ? 0.0 : static_cast<double>(genes[static_cast<std::size_t>(a)].length));
      }
      column_of[g] = it->second;
    }
    for (auto& row : sums) row.resize(names.size(), 0.0);
    const std::size_t before = report->barcodes_in_table;
    Accumulate(m, *source.barcodes, column_of, sums, library, report);
    if (report->barcodes_in_table == before) NoBarcodeInTable(m, *source.barcodes, barcodes_path);
    LogInfo("rna: " + m.path() + " (" + m.description() +
            "): " + std::to_string(m.barcodes().size()) + " barcodes, " +
            std::to_string(report->barcodes_in_table - before) + " in the barcode table");
  }
  ExpressionTable t;
  std::vector<std::size_t> kept;
  for (std::size_t c = 0; c < celltypes.size(); ++c) {
    if (report->cells[c] == 0) continue;
    kept.push_back(c);
    t.celltypes.push_back(celltypes[c]);
  }
  std::vector<double> scale(celltypes.size(), 0.0);
  for (std::size_t c : kept) {
    double total = 0;
    for (std::size_t k = 0; k < names.size(); ++k) total += tpm ? sums[c][k] / lengths[k] : 0;
    total = tpm ? total : library[c];
    scale[c] = total > 0 ? 1e6 / total : 0;
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    std::vector<double>& values = t.of_gene[names[k]];
    for (std::size_t c : kept) {
      const double x = (tpm ? sums[c][k] / lengths[k] : sums[c][k]) * scale[c];
      values.push_back(std::log10(x + 1.0));
    }
  }
  LogInfo("rna: " + std::to_string(report->genes) + " genes, " + std::to_string(report->by_name) +
          " matched to the annotation by name, " + std::to_string(report->by_id) + " by ID, " +
          std::to_string(report->unmatched) + " unmatched; " + kNormalise.Name(o.normalise) +
          " for " + std::to_string(kept.size()) + " cell types");
  return t;
}

void WriteExpressionTable(const ExpressionTable& table, std::ostream& out) {
  out << "gene";
  for (const auto& c : table.celltypes) out << '\t' << c;
  out << '\n';
  std::vector<std::string> genes;
  for (const auto& [g, v] : table.of_gene) genes.push_back(g);
  std::sort(genes.begin(), genes.end());
  for (const auto& g : genes) {
    out << g;
    for (double v : table.of_gene.at(g)) out << '\t' << ShortestText(v);
    out << '\n';
  }
}

}  // namespace getps
