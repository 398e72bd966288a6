#include "storage/region_index.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace getps {
namespace {

TEST(RegionIndex, SortsNaturallyAndAssignsContiguousIds) {
  RegionIndex idx = RegionIndex::FromUnsorted(
      {{"chr10", 50, 60}, {"chr2", 5, 9}, {"chr1", 100, 200}, {"chr2", 0, 5}, {"chr1", 0, 10}});
  ASSERT_EQ(idx.size(), 5u);
  ASSERT_EQ(idx.chromosomes().size(), 3u);
  EXPECT_EQ(idx.chromosomes()[0].name, "chr1");
  EXPECT_EQ(idx.chromosomes()[1].name, "chr2");
  EXPECT_EQ(idx.chromosomes()[2].name, "chr10");
  EXPECT_EQ(idx.chromosomes()[1].first_id, 2u);
  EXPECT_EQ(idx.chromosomes()[1].count, 2u);
  EXPECT_EQ(idx.start(0), 0u);
  EXPECT_EQ(idx.start(1), 100u);
  EXPECT_EQ(idx.start(3), 5u);  // touching regions (end == next start) are allowed
  EXPECT_EQ(idx.ChromosomeOf(4), 2);
  EXPECT_EQ(idx.FindChromosome("chr2"), 1);
  EXPECT_EQ(idx.FindChromosome("chr3"), -1);
  EXPECT_EQ(idx.Describe(1), "chr1:101-200");
}

TEST(RegionIndex, RejectsOverlapsDuplicatesAndEmptyRegions) {
  try {
    RegionIndex::FromUnsorted({{"chr1", 0, 100}, {"chr1", 99, 150}});
    FAIL() << "overlap accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("regions overlap: chr1:0-100 and chr1:99-150"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(RegionIndex::FromUnsorted({{"chr1", 0, 100}, {"chr1", 0, 100}}), Error);
  EXPECT_THROW(RegionIndex::FromUnsorted({{"chr1", 10, 10}}), Error);
}

TEST(RegionIndex, OverlappingQueries) {
  RegionIndex idx = RegionIndex::FromUnsorted(
      {{"chr1", 0, 10}, {"chr1", 20, 30}, {"chr1", 40, 50}, {"chr2", 0, 10}});
  using P = std::pair<std::uint32_t, std::uint32_t>;
  EXPECT_EQ(idx.Overlapping(0, 0, 1), P(0, 1));
  EXPECT_EQ(idx.Overlapping(0, 10, 20), P(1, 1));  // the gap: nothing (half-open)
  EXPECT_EQ(idx.Overlapping(0, 9, 21), P(0, 2));
  EXPECT_EQ(idx.Overlapping(0, 0, 1000), P(0, 3));
  EXPECT_EQ(idx.Overlapping(0, 50, 60), P(3, 3));
  EXPECT_EQ(idx.Overlapping(1, 5, 6), P(3, 4));
}

TEST(Locus, ParsesOneBasedInclusive) {
  Locus l = ParseLocus("chr1:1,001-2,000");
  EXPECT_EQ(l.chrom, "chr1");
  EXPECT_EQ(l.start, 1000u);
  EXPECT_EQ(l.end, 2000u);
  Locus whole = ParseLocus("chrX");
  EXPECT_EQ(whole.start, 0u);
  EXPECT_EQ(whole.end, UINT32_MAX);
  EXPECT_THROW(ParseLocus("chr1:0-10"), Error);
  EXPECT_THROW(ParseLocus("chr1:20-10"), Error);
  EXPECT_THROW(ParseLocus("chr1:abc-10"), Error);
  EXPECT_THROW(ParseLocus(":1-10"), Error);
}

}  // namespace
}  // namespace getps
