#include "common/progress.h"

#include <gtest/gtest.h>

#include <limits>

namespace getps {
namespace {

TEST(Progress, DurationsInSecondsMinutesAndHours) {
  EXPECT_EQ(FormatDuration(0.04), "0.0s");
  EXPECT_EQ(FormatDuration(59.94), "59.9s");
  EXPECT_EQ(FormatDuration(61), "1m01s");
  EXPECT_EQ(FormatDuration(3 * 3600 + 7 * 60 + 5), "3h07m");
  EXPECT_EQ(FormatDuration(-1), "?");  // an unknown ETA
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "?");
}

TEST(Progress, SlowRatesAreNotRoundedToZero) {
  EXPECT_EQ(FormatRate(1234567.4), "1234567");
  EXPECT_EQ(FormatRate(100), "100");
  EXPECT_EQ(FormatRate(12.345), "12.3");
  EXPECT_EQ(FormatRate(0.25), "0.25");  // once "0 chromosomes/s"
  EXPECT_EQ(FormatRate(0.0012345), "0.00123");
  EXPECT_EQ(FormatRate(0), "0");
  EXPECT_EQ(FormatRate(std::numeric_limits<double>::quiet_NaN()), "?");
}

}  // namespace
}  // namespace getps
