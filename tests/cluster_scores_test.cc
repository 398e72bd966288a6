#include "featurizer/cluster_scores.h"

#include <gtest/gtest.h>

namespace getps {
namespace {

TEST(ClusterScores, BestOfOverlappingThenSumOfNonOverlapping) {
  std::vector<Pssm> pssms(3);
  pssms[0].scores.resize(4);  // width 4, feature 0
  pssms[1].scores.resize(6);  // width 6, feature 0 (another motif of the cluster)
  pssms[2].scores.resize(3);  // width 3, feature 1
  const std::vector<int> feature = {0, 0, 1};
  // Feature 0: [0,4) 5.0, [2,8) 7.0 (overlaps the first: keeps 7), [8,12) 3.0,
  // [10,14) 2.0 (overlaps the third: dropped) -> 7 + 3 = 10.
  // Feature 1: [0,3) 1.5, [3,6) 2.5 (touching, not overlapping) -> 4.
  std::vector<MotifMatch> matches = {{0, 0, 5.0},  {1, 2, 7.0}, {0, 8, 3.0},
                                     {0, 10, 2.0}, {2, 0, 1.5}, {2, 3, 2.5}};
  std::vector<float> out(3, -1.0f);
  std::vector<MotifMatch> scratch;
  ClusterScores(matches, pssms, feature, out, &scratch);
  EXPECT_FLOAT_EQ(out[0], 10.0f);
  EXPECT_FLOAT_EQ(out[1], 4.0f);
  EXPECT_FLOAT_EQ(out[2], 0.0f);  // no matches: zero
  std::vector<MotifMatch> negative = {{2, 0, -1.5}, {2, 5, 0.5}};
  ClusterScores(negative, pssms, feature, out, &scratch);
  EXPECT_FLOAT_EQ(out[1], 0.0f);  // -1.5 + 0.5 < 0: clamped
}

}  // namespace
}  // namespace getps
