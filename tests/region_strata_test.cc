#include "storage/region_strata.h"

#include <gtest/gtest.h>
#include <cstdint>

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

TEST(RegionStrata, DistanceIsFromTheRegionsCentreToTheNearestTss) {
  // chr1: [100,200) [1000,1100) [5000,5100) [300000,300100); chr2: [10,20).
  // Centres 150, 1050, 5050, 300050.
  const RegionIndex regions = RegionIndex::FromUnsorted({{"chr1", 100, 200},
                                                         {"chr1", 1000, 1100},
                                                         {"chr1", 5000, 5100},
                                                         {"chr1", 300000, 300100},
                                                         {"chr2", 10, 20}});
  // TSSs at 150 (the first region's centre) and 1150 (100 bp from the
  // second's centre); chr2 has none.
  const std::vector<GeneRecord> genes = {{"A", "chr1", 150, '+', 0}, {"B", "chr1", 1150, '-', -1}};
  const std::vector<std::int64_t> d = DistanceToNearestTss(regions, genes);
  EXPECT_EQ(d, (std::vector<std::int64_t>{0, 100, 5050 - 1150, 300050 - 1150, -1}));
  const RegionStrata s = TssDistanceStrata(d);
  EXPECT_EQ(s.bin_of, (std::vector<int>{0, 1, 3, 5, 6}));
  EXPECT_EQ(s.labels[1], "100-499");
  EXPECT_EQ(s.labels[static_cast<std::size_t>(s.bin_of[3])], ">=100000");
  EXPECT_EQ(s.labels[6], "no TSS");
}

TEST(RegionStrata, TheCentreOfAnOddOrEvenRegionAndTheNearestOfTwoTss) {
  const RegionIndex even = RegionIndex::FromUnsorted({{"chr1", 100, 200}});  // centre 150
  EXPECT_EQ(DistanceToNearestTss(even, {{"A", "chr1", 199, '+', -1}})[0], 49);
  const RegionIndex odd = RegionIndex::FromUnsorted({{"chr1", 100, 201}});  // centre 150
  EXPECT_EQ(DistanceToNearestTss(odd, {{"A", "chr1", 150, '+', -1}})[0], 0);
  // Of TSSs at 40 and 170, the later is nearer (20 vs 110).
  EXPECT_EQ(
      DistanceToNearestTss(even, {{"A", "chr1", 40, '+', -1}, {"B", "chr1", 170, '-', -1}})[0], 20);
}

}  // namespace
}  // namespace getps
