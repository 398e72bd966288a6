#include "worker/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace getps {
namespace {

TEST(Metrics, MedianOfOddAndEvenCountsAndOfNone) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(Median({})));
}

}  // namespace
}  // namespace getps
