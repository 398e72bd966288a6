#include "featurizer/sample_inputs.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>
#include <fstream>

#include "common/error.h"
#include "tests/rna_test_files.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

const RegionIndex& Regions() {
  static const RegionIndex r = RegionIndex::FromUnsorted({{"chr1", 100, 200}, {"chr1", 500, 600}});
  return r;
}

// B: AAAC in sample 1 and AAAG in sample 2; T: AAAC in sample 2.
BarcodeTable Table(const TempDir& dir) {
  std::ofstream(dir.Sub("table.tsv")) << "barcode\tcelltype\nAAAC-1\tB\nAAAG-2\tB\nAAAC-2\tT\n";
  return ReadBarcodeTable(dir.Sub("table.tsv"));
}

SampleInputs Inputs(const TempDir& dir, const BarcodeTable* table) {
  // Each sample's own file spells its barcodes -1, as Cell Ranger writes them.
  std::ofstream(dir.Sub("s1.tsv")) << "chr1\t150\t160\tAAAC-1\t1\nchr1\t550\t560\tAAAG-1\t1\n";
  std::ofstream(dir.Sub("s2.tsv")) << "chr1\t150\t160\tAAAC-1\t1\nchr1\t150\t170\tAAAG-1\t1\n"
                                      "chr1\t550\t555\tAAAC-1\t1\nchr1\t900\t950\tAAAC-1\t1\n";
  return {{{"s1", dir.Sub("s1.tsv"), ""}, {"s2", dir.Sub("s2.tsv"), ""}},
          ReadsFormat::kFragments,
          SampleBarcodes::kSuffix,
          table,
          dir.Sub("table.tsv")};
}

TEST(SampleInputs, EachSampleCountsWithItsOwnBarcodes) {
  TempDir dir("inputs");
  const BarcodeTable table = Table(dir);
  const AccessibilityCounts acc = CountSamples(Inputs(dir, &table), Regions(), CountOptions{});
  ASSERT_EQ(acc.celltypes, (std::vector<std::string>{"B", "T"}));
  // B: sample 1's AAAC (region 0) and sample 2's AAAG (region 0); sample 1's
  // AAAG-1 is not in the table. T: sample 2's AAAC: regions 0 and 1, and one
  // fragment outside the peaks (library only).
  EXPECT_EQ(acc.counts[0], (std::vector<float>{2, 0}));
  EXPECT_EQ(acc.counts[1], (std::vector<float>{1, 1}));
  EXPECT_EQ(acc.library_size, (std::vector<double>{2, 3}));
  EXPECT_EQ(acc.cells, (std::vector<std::int64_t>{2, 1}));
}

TEST(SampleInputs, ASampleWithoutBarcodesInTheTableIsAnError) {
  TempDir dir("inputs");
  const BarcodeTable table = Table(dir);
  SampleInputs in = Inputs(dir, &table);
  in.samples.push_back({"s3", dir.Sub("s1.tsv"), ""});
  try {
    CountSamples(in, Regions(), CountOptions{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "no barcode of " + dir.Sub("table.tsv") +
                                         " belongs to sample s3 (expected barcodes ending -3, "
                                         "--sample-barcodes suffix)");
  }
}

TEST(SampleInputs, NoReadWithABarcodeOfTheTableIsAnError) {
  TempDir dir("inputs");
  std::ofstream(dir.Sub("table.tsv")) << "ZZZZ-1\tB\n";
  const BarcodeTable table = ReadBarcodeTable(dir.Sub("table.tsv"));
  SampleInputs in = Inputs(dir, &table);
  in.samples.resize(1);
  EXPECT_THROW(CountSamples(in, Regions(), CountOptions{}), Error);
}

TEST(SampleInputs, PerSampleRnaThroughEachSamplesBarcodes) {
  TempDir dir("inputs");
  const BarcodeTable table = Table(dir);
  SampleInputs in = Inputs(dir, &table);
  testing_util::SmallMatrix m1{{"AAAC-1"}, {"G"}, {}, {}, {{3}}};
  testing_util::SmallMatrix m2{{"AAAC-1", "AAAG-1"}, {"G"}, {}, {}, {{5}, {1}}};
  testing_util::Write10x(dir.Sub("r1.h5"), m1);
  testing_util::Write10x(dir.Sub("r2.h5"), m2);
  in.samples[0].rna = dir.Sub("r1.h5");
  in.samples[1].rna = dir.Sub("r2.h5");
  const ExpressionTable t = PseudobulkSamples(in, "", {}, {});
  ASSERT_EQ(t.celltypes, (std::vector<std::string>{"B", "T"}));
  // One gene: every cell type's CPM is 1e6.
  EXPECT_DOUBLE_EQ(t.of_gene.at("G")[0], std::log10(1e6 + 1));
  EXPECT_DOUBLE_EQ(t.of_gene.at("G")[1], std::log10(1e6 + 1));
  EXPECT_THROW(
      PseudobulkSamples({in.samples, ReadsFormat::kFragments, SampleBarcodes::kSuffix, nullptr, ""},
                        "", {}, {}),
      Error);  // pseudobulk needs a barcode table
}

}  // namespace
}  // namespace getps
