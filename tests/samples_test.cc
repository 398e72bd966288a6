#include "featurizer/samples.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <fstream>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

BarcodeTable Table(const std::vector<std::pair<std::string, int>>& rows) {
  BarcodeTable t;
  t.celltypes = {"B", "T"};
  t.cells = {0, 0};
  for (const auto& [b, ct] : rows) {
    t.celltype_of.Insert(b, ct);
    t.barcodes.push_back(b);
    t.barcode_celltype.push_back(ct);
    ++t.cells[static_cast<std::size_t>(ct)];
  }
  return t;
}

const std::vector<Sample> kTwo = {{"s1", "a.tsv.gz", ""}, {"s2", "b.tsv.gz", ""}};

TEST(Samples, SuffixTableBackToEachSamplesOwnBarcodes) {
  const BarcodeTable t = Table({{"AAAC-1", 0}, {"AAAC-2", 1}, {"AAAG-2", 0}, {"AAAT-12", 1}});
  const BarcodeTable s2 = ForSample(t, kTwo, 1, SampleBarcodes::kSuffix);
  EXPECT_EQ(s2.barcodes, (std::vector<std::string>{"AAAC-2", "AAAG-2"}));  // not -12
  EXPECT_EQ(s2.celltype_of.Find("AAAC-1"), 1);  // as sample 2's own files spell it
  EXPECT_EQ(s2.celltype_of.Find("AAAC"), 1);    // or bare
  EXPECT_EQ(s2.celltype_of.Find("AAAC-2"), 1);  // or already aggregated
  EXPECT_EQ(s2.celltype_of.Find("AAAG-1"), 0);
  EXPECT_EQ(s2.cells, (std::vector<std::int64_t>{1, 1}));
  const BarcodeTable s1 = ForSample(t, kTwo, 0, SampleBarcodes::kSuffix);
  EXPECT_EQ(s1.celltype_of.Find("AAAC-1"), 0);
  EXPECT_EQ(s1.celltypes, t.celltypes);  // indices kept
}

TEST(Samples, PrefixTable) {
  const BarcodeTable t = Table({{"s1:AAAC-1", 0}, {"s2:AAAC-1", 1}, {"s10:AAAG-1", 1}});
  const BarcodeTable s1 = ForSample(t, kTwo, 0, SampleBarcodes::kPrefix);
  EXPECT_EQ(s1.barcodes, (std::vector<std::string>{"s1:AAAC-1"}));  // not s10:
  EXPECT_EQ(s1.celltype_of.Find("AAAC-1"), 0);
  EXPECT_EQ(ForSample(t, kTwo, 1, SampleBarcodes::kPrefix).celltype_of.Find("AAAC-1"), 1);
}

TEST(Samples, SheetWithHeaderAndRelativePaths) {
  TempDir dir("samples");
  std::ofstream(dir.Sub("sheet.tsv"))
      << "sample\tfragments\trna\nA\tfa.tsv.gz\tra.h5\nB\t/abs/fb.tsv.gz\n";
  const auto s = ReadSampleSheet(dir.Sub("sheet.tsv"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].reads, dir.Sub("fa.tsv.gz"));
  EXPECT_EQ(s[0].rna, dir.Sub("ra.h5"));
  EXPECT_EQ(s[1].reads, "/abs/fb.tsv.gz");
  EXPECT_EQ(s[1].rna, "");
  std::ofstream(dir.Sub("bad.tsv")) << "A\tfa.tsv.gz\nA\tfb.tsv.gz\n";
  try {
    ReadSampleSheet(dir.Sub("bad.tsv"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.Sub("bad.tsv") + ":2: sample A listed twice");
  }
}

TEST(Samples, Lists) {
  const auto s = SamplesFromLists({}, {"a", "b"}, {"x.h5", "y.h5"});
  EXPECT_EQ(s[1].name, "2");
  EXPECT_EQ(s[1].rna, "y.h5");
  EXPECT_EQ(SamplesFromLists({}, {"a", "b"}, {"all.h5"})[0].rna, "");  // one matrix for all
  EXPECT_THROW(SamplesFromLists({"s1"}, {"a", "b"}, {}), Error);
  EXPECT_THROW(SamplesFromLists({}, {"a", "b", "c"}, {"x", "y"}), Error);
  EXPECT_EQ(ParseSampleBarcodes("prefix"), SampleBarcodes::kPrefix);
  EXPECT_THROW(ParseSampleBarcodes("aggr"), Error);
}

}  // namespace
}  // namespace getps
