#include "featurizer/pseudobulk.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>
#include <sstream>

#include "common/error.h"
#include "tests/rna_test_files.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::SmallMatrix;
using testing_util::TempDir;

// Cell type A: AAAC-1 and AAAG-1; B: AAAT-1; TTTT-1 is in the matrix only.
SmallMatrix Matrix() {
  SmallMatrix m;
  m.barcodes = {"AAAC-1", "AAAG-1", "AAAT-1", "TTTT-1"};
  m.genes = {"CD3E", "ENSG00000156738.17", "NOVEL", "chr1:1-500"};
  m.ids = {"ENSG_NOT_ANNOTATED", "ENSG00000156738.17", "NOVEL", "chr1:1-500"};
  m.types = {"Gene Expression", "Gene Expression", "Gene Expression", "Peaks"};
  m.counts = {{4, 0, 1, 50}, {0, 7, 0, 50}, {1, 1, 2, 50}, {90, 90, 90, 90}};
  return m;
}

BarcodeTable Table() {
  BarcodeTable t;
  t.celltypes = {"A", "B", "C"};  // C has no cell in the matrix
  t.cells = {2, 1, 1};
  const std::pair<const char*, int> rows[] = {
      {"AAAC-1", 0}, {"AAAG-1", 0}, {"AAAT-1", 1}, {"GGGG-1", 2}};
  for (const auto& [b, ct] : rows) {
    t.celltype_of.Insert(b, ct);
    t.barcodes.push_back(b);
    t.barcode_celltype.push_back(ct);
  }
  return t;
}

// CD3E by name (its matrix ID is not annotated); MS4A1 by its versioned ID.
std::vector<GeneTss> Genes() {
  return {{"CD3E", "chr11", 118304000, '+', "ENSG00000198851", 1000},
          {"MS4A1", "chr11", 60455000, '+', "ENSG00000156738", 4000},
          {"ABSENT", "chr1", 10, '+', "ENSG00000000001", 10}};
}

double L(double x) { return std::log10(x + 1.0); }

TEST(Pseudobulk, CpmOverEveryGeneExpressionCount) {
  TempDir dir("pseudobulk");
  testing_util::Write10x(dir.Sub("m.h5"), Matrix());
  const BarcodeTable table = Table();
  PseudobulkReport r;
  const ExpressionTable t =
      Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, Genes(), "table.tsv", {}, &r);
  EXPECT_EQ(t.celltypes, (std::vector<std::string>{"A", "B"}));
  ASSERT_EQ(t.of_gene.size(), 2u);  // NOVEL is not annotated, the peak is not a gene
  // A: CD3E 4, MS4A1 7, NOVEL 1 -> library 12; B: 1, 1, 2 -> 4.
  EXPECT_DOUBLE_EQ(t.of_gene.at("CD3E")[0], L(4.0 / 12 * 1e6));
  EXPECT_DOUBLE_EQ(t.of_gene.at("MS4A1")[0], L(7.0 / 12 * 1e6));
  EXPECT_DOUBLE_EQ(t.of_gene.at("CD3E")[1], L(1.0 / 4 * 1e6));
  EXPECT_EQ(r.barcodes, 4u);
  EXPECT_EQ(r.barcodes_in_table, 3u);
  EXPECT_EQ(r.genes, 3u);
  EXPECT_EQ(r.not_genes, 1u);
  EXPECT_EQ(r.by_name, 1u);
  EXPECT_EQ(r.by_id, 1u);
  EXPECT_EQ(r.unmatched, 1u);
  EXPECT_EQ(r.cells, (std::vector<std::int64_t>{2, 1, 0}));
}

TEST(Pseudobulk, RepeatedNamesStayApartByTheirIds) {
  TempDir dir("pseudobulk");
  SmallMatrix m;  // two different genes under one symbol, as 10x lists a dozen
  m.barcodes = {"AAAC-1"};
  m.genes = {"TBCE", "TBCE"};
  m.ids = {"ENSG00000284770", "ENSG00000285053"};
  m.counts = {{3, 1}};
  testing_util::Write10x(dir.Sub("m.h5"), m);
  BarcodeTable table = Table();
  const std::vector<GeneTss> genes = {{"TBCE", "chr1", 10, '+', "ENSG00000284770", 100},
                                      {"TBCE_2", "chr1", 90, '+', "ENSG00000285053", 300}};
  PseudobulkReport r;
  const ExpressionTable t = Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, genes, "t",
                                       {RnaNormalise::kTpm, RnaLayer::kAuto}, &r);
  const double rates = 3.0 / 100 + 1.0 / 300;  // each by its own gene's length
  EXPECT_DOUBLE_EQ(t.of_gene.at("TBCE")[0], L(3.0 / 100 / rates * 1e6));
  EXPECT_DOUBLE_EQ(t.of_gene.at("TBCE_2")[0], L(1.0 / 300 / rates * 1e6));
  EXPECT_EQ(r.by_id, 2u);
}

TEST(Pseudobulk, TpmOverAnnotatedGenesByLength) {
  TempDir dir("pseudobulk");
  testing_util::Write10x(dir.Sub("m.h5"), Matrix());
  const BarcodeTable table = Table();
  PseudobulkReport r;
  const ExpressionTable t = Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, Genes(),
                                       "table.tsv", {RnaNormalise::kTpm, RnaLayer::kAuto}, &r);
  const double a = 4.0 / 1000 + 7.0 / 4000;  // A's rates over annotated genes
  EXPECT_DOUBLE_EQ(t.of_gene.at("CD3E")[0], L(4.0 / 1000 / a * 1e6));
  EXPECT_DOUBLE_EQ(t.of_gene.at("MS4A1")[0], L(7.0 / 4000 / a * 1e6));
  EXPECT_THROW(Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, {}, "table.tsv",
                          {RnaNormalise::kTpm, RnaLayer::kAuto}, &r),
               Error);  // TPM needs lengths
}

TEST(Pseudobulk, WithoutAnnotationGenesKeepTheirNames) {
  TempDir dir("pseudobulk");
  testing_util::Write10x(dir.Sub("m.h5"), Matrix());
  const BarcodeTable table = Table();
  PseudobulkReport r;
  const ExpressionTable t =
      Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, {}, "table.tsv", {}, &r);
  EXPECT_EQ(t.of_gene.size(), 3u);
  EXPECT_DOUBLE_EQ(t.of_gene.at("NOVEL")[1], L(2.0 / 4 * 1e6));
  std::ostringstream out;
  WriteExpressionTable(t, out);
  EXPECT_EQ(out.str().substr(0, out.str().find('\n')), "gene\tA\tB");
  // Genes sorted; each value in the shortest text that reads back exactly.
  std::istringstream in(out.str());
  std::string line, name, a, b;
  std::vector<std::string> order;
  std::getline(in, line);
  while (in >> name >> a >> b) {
    order.push_back(name);
    EXPECT_EQ(std::stod(a), t.of_gene.at(name)[0]);
    EXPECT_EQ(std::stod(b), t.of_gene.at(name)[1]);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"CD3E", "ENSG00000156738.17", "NOVEL"}));
}

TEST(Pseudobulk, NoBarcodeInTheTableNamesBothFiles) {
  TempDir dir("pseudobulk");
  SmallMatrix m = Matrix();
  m.barcodes = {"X1", "X2", "X3", "X4"};
  testing_util::Write10x(dir.Sub("m.h5"), m);
  const BarcodeTable table = Table();
  PseudobulkReport r;
  try {
    Pseudobulk({{dir.Sub("m.h5"), &table}}, table.celltypes, {}, "table.tsv", {}, &r);
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("none of the 4 barcodes of " + dir.Sub("m.h5") +
                        " (e.g. 'X1') is in the barcode table table.tsv (e.g. 'AAAC-1')"),
              std::string::npos)
        << what;
  }
}

}  // namespace
}  // namespace getps
