#include "featurizer/rna_matrix.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "common/error.h"
#include "tests/rna_test_files.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::SmallMatrix;
using testing_util::TempDir;

SmallMatrix Example() {
  SmallMatrix m;
  m.barcodes = {"AAAC-1", "AAAG-1", "AAAT-1"};
  m.genes = {"CD3E", "MS4A1", "chr1:100-600"};
  m.ids = {"ENSG00000198851.9", "ENSG00000156738.17", "chr1:100-600"};
  m.types = {"Gene Expression", "Gene Expression", "Peaks"};
  m.counts = {{4, 0, 2}, {0, 7, 1}, {1, 1, 0}};
  return m;
}

using Cells = std::map<std::tuple<std::size_t, std::size_t>, double>;

Cells Visited(const RnaMatrix& m) {
  Cells out;
  m.ForEach([&](std::size_t c, std::size_t g, double v) { out[{c, g}] += v; });
  return out;
}

TEST(RnaMatrix, TenxLayoutStreamsEveryStoredCount) {
  TempDir dir("rna");
  testing_util::Write10x(dir.Sub("m.h5"), Example());
  const RnaMatrix m(dir.Sub("m.h5"), RnaLayer::kAuto);
  EXPECT_EQ(m.description(), "10x /matrix");
  EXPECT_EQ(m.barcodes(), Example().barcodes);
  EXPECT_EQ(m.gene_ids()[1], "ENSG00000156738.17");
  EXPECT_TRUE(m.IsGene(1));
  EXPECT_FALSE(m.IsGene(2));  // a Multiome peak
  const Cells want = {{{0, 0}, 4}, {{0, 2}, 2}, {{1, 1}, 7}, {{1, 2}, 1}, {{2, 0}, 1}, {{2, 1}, 1}};
  EXPECT_EQ(Visited(m), want);
}

TEST(RnaMatrix, AnnDataCscGivesTheSameCells) {
  TempDir dir("rna");
  SmallMatrix e = Example();
  e.ids.clear();
  testing_util::WriteAnnDataCsc(dir.Sub("a.h5ad"), e);
  testing_util::Write10x(dir.Sub("m.h5"), e);
  const RnaMatrix a(dir.Sub("a.h5ad"), RnaLayer::kAuto);
  EXPECT_EQ(a.description(), "AnnData X (CSC)");
  EXPECT_EQ(a.barcodes(), e.barcodes);  // obs's index named by its _index attribute
  EXPECT_EQ(a.gene_ids(), std::vector<std::string>(3));  // no var/gene_ids
  EXPECT_EQ(Visited(a), Visited(RnaMatrix(dir.Sub("m.h5"), RnaLayer::kAuto)));
  EXPECT_THROW(RnaMatrix(dir.Sub("a.h5ad"), RnaLayer::kCounts), Error);  // no layers/counts
}

TEST(RnaMatrix, NotACountIsRefusedWithItsPosition) {
  TempDir dir("rna");
  SmallMatrix e = Example();
  e.counts[1][1] = -3;
  testing_util::Write10x(dir.Sub("m.h5"), e);
  const RnaMatrix m(dir.Sub("m.h5"), RnaLayer::kAuto);
  try {
    Visited(m);
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(std::string(err.what()),
              dir.Sub("m.h5") +
                  " dataset /matrix/data: expected counts (non-negative integers), found -3 at "
                  "value 2; pseudobulk needs raw counts (AnnData: --rna-layer counts|raw|X)");
  }
}

TEST(RnaMatrix, LengthsThatDisagreeWithTheShapeAreRefused) {
  TempDir dir("rna");
  SmallMatrix e = Example();
  e.ids.pop_back();
  testing_util::Write10x(dir.Sub("m.h5"), e);
  try {
    RnaMatrix m(dir.Sub("m.h5"), RnaLayer::kAuto);
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(std::string(err.what()),
              dir.Sub("m.h5") +
                  " dataset /matrix/features/id: expected 3 entries (the matrix shape is 3 cells x "
                  "3 genes), found 2");
  }
}

TEST(RnaMatrix, LayerNames) {
  EXPECT_EQ(ParseRnaLayer("raw"), RnaLayer::kRaw);
  EXPECT_STREQ(RnaLayerName(RnaLayer::kX), "X");
  EXPECT_THROW(ParseRnaLayer("counts2"), Error);
}

}  // namespace
}  // namespace getps
