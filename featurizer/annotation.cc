#include "featurizer/annotation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "common/error.h"
#include "common/parse.h"
#include "featurizer/text_reader.h"

namespace getps {
namespace {

std::uint32_t Position(std::string_view text, const TextReader& in) {
  std::uint32_t v = 0;
  if (!ParseUint32(text, &v)) {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "expected a position, got '" + std::string(text) + "'");
  }
  return v;
}

// Value of attribute `key` in a GTF attribute column (key "value"; ...).
std::string Attribute(std::string_view attrs, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = attrs.find(key, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || attrs[pos - 1] == ' ' || attrs[pos - 1] == ';';
    const std::size_t after = pos + key.size();
    if (starts && after < attrs.size() && attrs[after] == ' ') {
      std::size_t q1 = attrs.find('"', after);
      std::size_t q2 = q1 == std::string_view::npos ? q1 : attrs.find('"', q1 + 1);
      if (q2 != std::string_view::npos) return std::string(attrs.substr(q1 + 1, q2 - q1 - 1));
    }
    pos = after;
  }
  return "";
}

}  // namespace

std::string WithoutVersion(const std::string& id) {
  const std::size_t dot = id.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == id.size()) return id;
  for (std::size_t i = dot + 1; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return id;
  return id.substr(0, dot);
}

namespace {

using Exons = std::vector<std::pair<std::uint32_t, std::uint32_t>>;  // 1-based, inclusive

std::uint64_t MergedLength(Exons& exons) {
  std::sort(exons.begin(), exons.end());
  std::uint64_t length = 0;
  std::uint32_t start = 0, end = 0;
  bool open = false;
  for (const auto& [s, e] : exons) {
    if (open && s <= end + 1) {
      end = std::max(end, e);
      continue;
    }
    if (open) length += end - start + 1;
    start = s, end = e, open = true;
  }
  if (open) length += end - start + 1;
  return length;
}

// One GTF gene record, checked.
GeneTss GeneRecord(const std::string_view (&f)[9], const TextReader& in) {
  const std::uint32_t start = Position(f[3], in), end = Position(f[4], in);
  if (start == 0 || end < start)
    throw Error(ErrorCode::kInvalidArgument, in.Where() + "need 1 <= start <= end");
  if (f[6] != "+" && f[6] != "-") {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "strand must be + or -, got '" + std::string(f[6]) + "'");
  }
  GeneTss g;
  g.id = Attribute(f[8], "gene_id");
  g.name = Attribute(f[8], "gene_name");
  if (g.name.empty()) g.name = g.id;
  if (g.name.empty())
    throw Error(ErrorCode::kInvalidArgument, in.Where() + "gene without gene_name or gene_id");
  g.chrom = std::string(f[0]);
  g.strand = f[6][0];
  g.tss = g.strand == '+' ? start - 1 : end - 1;  // GTF is 1-based, inclusive
  g.length = end - start + 1;                     // replaced by the exons, when listed
  return g;
}

}  // namespace

std::vector<GeneTss> ReadGtfTss(const std::string& path) {
  TextReader in(path);
  std::vector<GeneTss> genes;
  std::map<std::string, Exons> exons;  // gene_id -> its exons
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view f[9];
    if (SplitFields(line, '\t', f, 9) != 9) {
      throw Error(ErrorCode::kInvalidArgument, in.Where() + "expected 9 tab-separated GTF columns");
    }
    if (f[2] == "exon") {
      const std::uint32_t start = Position(f[3], in), end = Position(f[4], in);
      if (start == 0 || end < start)
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "need 1 <= start <= end");
      exons[Attribute(f[8], "gene_id")].emplace_back(start, end);
    }
    if (f[2] == "gene") genes.push_back(GeneRecord(f, in));
  }
  if (genes.empty())
    throw Error(ErrorCode::kInvalidArgument,
                path + ": no gene records (GTF lines whose third column is 'gene')");
  for (GeneTss& g : genes) {
    auto it = exons.find(g.id);
    if (it != exons.end()) g.length = MergedLength(it->second);
    g.id = WithoutVersion(g.id);
  }
  return genes;
}

std::vector<GeneTss> ReadTssBed(const std::string& path) {
  TextReader in(path);
  std::vector<GeneTss> genes;
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#' || line.rfind("track", 0) == 0) continue;
    std::string_view f[7];
    if (SplitFields(line, '\t', f, 7) < 6) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected BED6: chrom, start, end, name, score, strand");
    }
    if (f[5] != "+" && f[5] != "-") {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "strand must be + or -, got '" + std::string(f[5]) + "'");
    }
    genes.push_back({std::string(f[3]), std::string(f[0]), Position(f[1], in), f[5][0], "", 0});
  }
  return genes;
}

ExpressionTable ReadExpression(const std::string& path, bool log10_plus_one) {
  TextReader in(path);
  std::string_view line;
  if (!in.Next(&line)) throw Error(ErrorCode::kInvalidArgument, path + ": empty expression table");
  const char sep = line.find('\t') != std::string_view::npos ? '\t' : ',';
  auto header = SplitQuoted(line, sep);
  if (header.size() < 2) {
    throw Error(ErrorCode::kInvalidArgument,
                in.Where() + "expected a header: gene, then one column per cell type");
  }
  ExpressionTable t;
  t.celltypes.assign(header.begin() + 1, header.end());
  while (in.Next(&line)) {
    if (line.empty()) continue;
    auto f = SplitQuoted(line, sep);
    if (f.size() != header.size()) {
      throw Error(ErrorCode::kInvalidArgument, in.Where() + "expected " +
                                                   std::to_string(header.size()) + " fields, got " +
                                                   std::to_string(f.size()));
    }
    std::vector<double> values;
    for (std::size_t c = 1; c < f.size(); ++c) {
      double v = 0;
      if (!ParseDouble(f[c], &v) || !(v >= 0) || !std::isfinite(v)) {
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "expression '" + f[c] + "' of " +
                                                     f[0] + " in " + header[c] +
                                                     " is not a non-negative number");
      }
      values.push_back(v);
    }
    // A gene listed twice (e.g. duplicated symbols): values add up.
    auto [it, inserted] = t.of_gene.emplace(f[0], values);
    if (!inserted) {
      for (std::size_t c = 0; c < values.size(); ++c) it->second[c] += values[c];
    }
  }
  if (log10_plus_one) {
    for (auto& [gene, values] : t.of_gene) {
      for (double& v : values) v = std::log10(v + 1.0);
    }
  }
  return t;
}

}  // namespace getps
