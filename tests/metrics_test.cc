#include "worker/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace getps {
namespace {

TEST(Metrics, PearsonOrNanNeedsThreePairsThatVary) {
  EXPECT_NEAR(PearsonOrNan({1, 2, 3, 4}, {1, 3, 2, 4}), 0.8, 1e-12);
  EXPECT_TRUE(std::isnan(PearsonOrNan({1, 2}, {1, 2})));        // two pairs
  EXPECT_TRUE(std::isnan(PearsonOrNan({1, 2, 3}, {5, 5, 5})));  // constant observed
  EXPECT_TRUE(std::isnan(PearsonOrNan({7, 7, 7}, {1, 2, 3})));  // constant predicted
}

TEST(Metrics, MedianOfOddAndEvenCountsAndOfNone) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(Median({})));
}

}  // namespace
}  // namespace getps
