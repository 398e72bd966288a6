#include "storage/region_strata.h"

#include <gtest/gtest.h>

namespace getps {
namespace {

TEST(RegionStrata, SpecificityBinsArePowersOfTwo) {
  const RegionStrata s = SpecificityStrata({0, 1, 2, 3, 4, 7, 8});
  EXPECT_EQ(s.name, "specificity");
  EXPECT_EQ(s.labels, (std::vector<std::string>{"1", "2-3", "4-7", "8-15"}));
  EXPECT_EQ(s.bin_of, (std::vector<int>{0, 0, 1, 1, 2, 2, 3}));
  EXPECT_EQ(s.lo[2], 4);
  EXPECT_EQ(s.hi[2], 7);
}

TEST(RegionStrata, DistanceIsZeroInsideAndToTheNearestEdgeOutside) {
  // chr1: [100,200) [1000,1100) [5000,5100) [300000,300100); chr2: [10,20).
  const RegionIndex regions = RegionIndex::FromUnsorted({{"chr1", 100, 200},
                                                         {"chr1", 1000, 1100},
                                                         {"chr1", 5000, 5100},
                                                         {"chr1", 300000, 300100},
                                                         {"chr2", 10, 20}});
  // TSSs at 150 (inside the first region) and 1150 (50 bp past the second's
  // last base 1099); chr2 has none.
  const std::vector<GeneRecord> genes = {{"A", "chr1", 150, '+', 0}, {"B", "chr1", 1150, '-', -1}};
  const std::vector<std::int64_t> d = DistanceToNearestTss(regions, genes);
  EXPECT_EQ(d, (std::vector<std::int64_t>{0, 51, 5000 - 1150, 300000 - 1150, -1}));
  const RegionStrata s = TssDistanceStrata(d);
  EXPECT_EQ(s.bin_of, (std::vector<int>{0, 1, 2, 4, 5}));
  EXPECT_EQ(s.labels[static_cast<std::size_t>(s.bin_of[3])], ">=100000");
  EXPECT_EQ(s.labels[5], "no TSS");
}

TEST(RegionStrata, ATssOnTheLastBaseIsInsideAndOnTheEndIsNot) {
  const RegionIndex regions = RegionIndex::FromUnsorted({{"chr1", 100, 200}});
  EXPECT_EQ(DistanceToNearestTss(regions, {{"A", "chr1", 199, '+', -1}})[0], 0);
  EXPECT_EQ(DistanceToNearestTss(regions, {{"A", "chr1", 200, '+', -1}})[0], 1);
  EXPECT_EQ(DistanceToNearestTss(regions, {{"A", "chr1", 99, '+', -1}})[0], 1);
}

}  // namespace
}  // namespace getps
