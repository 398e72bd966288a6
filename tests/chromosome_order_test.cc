#include "storage/chromosome_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace getps {
namespace {

TEST(ChromosomeOrder, NaturalNotLexicographic) {
  std::vector<std::string> names = {"chrY",  "chr10",
                                    "chrM",  "chr2",
                                    "chrX",  "chr1",
                                    "chr22", "chr1_KI270706v1_random",
                                    "chr11", "chrUn_GL000220v1",
                                    "chr3"};
  std::sort(names.begin(), names.end(), ChromosomeLess);
  std::vector<std::string> want = {"chr1",
                                   "chr2",
                                   "chr3",
                                   "chr10",
                                   "chr11",
                                   "chr22",
                                   "chrX",
                                   "chrY",
                                   "chr1_KI270706v1_random",
                                   "chrM",
                                   "chrUn_GL000220v1"};
  EXPECT_EQ(names, want);
}

TEST(ChromosomeOrder, WithoutPrefixAndTotal) {
  EXPECT_LT(CompareChromosomes("2", "10"), 0);
  EXPECT_LT(CompareChromosomes("9", "X"), 0);
  EXPECT_LT(CompareChromosomes("X", "Y"), 0);
  EXPECT_EQ(CompareChromosomes("chr7", "chr7"), 0);
  EXPECT_NE(CompareChromosomes("chr7", "7"), 0);  // distinct names never tie
  EXPECT_EQ(CompareChromosomes("chr7", "7"), -CompareChromosomes("7", "chr7"));
  EXPECT_LT(CompareChromosomes("scaffold_2", "scaffold_10"), 0);
}

}  // namespace
}  // namespace getps
