// Gene annotation and expression for the labels:
//   ReadGtfTss     genes' TSSs from a GTF (plain or gzip): one per gene
//                  record (feature "gene"), + strand at the start, - strand
//                  at the end; named by gene_name (gene_id when absent),
//                  with the gene_id (version stripped) and the length of
//                  its exons merged (its span when it has no exon records).
//   ReadTssBed     TSSs from a BED6 (chrom, start, end, name, score, strand).
//   ReadExpression a gene x cell type table, CSV or TSV (the header names
//                  the cell types; quoted fields allowed), optionally
//                  transformed to log10(x + 1).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace getps {

struct GeneTss {
  std::string name;
  std::string chrom;
  std::uint32_t tss = 0;  // 0-based position
  char strand = '+';
  std::string id;            // gene_id without its version; "" from a TSS BED
  std::uint64_t length = 0;  // merged exon length in bp; 0 from a TSS BED
};

// An Ensembl-style ID without its ".version" suffix (ENSG00000141510.17 ->
// ENSG00000141510); other names unchanged.
std::string WithoutVersion(const std::string& id);

std::vector<GeneTss> ReadGtfTss(const std::string& path);
std::vector<GeneTss> ReadTssBed(const std::string& path);

struct ExpressionTable {
  std::vector<std::string> celltypes;
  std::unordered_map<std::string, std::vector<double>> of_gene;  // gene -> value per cell type
};

ExpressionTable ReadExpression(const std::string& path, bool log10_plus_one);

}  // namespace getps
