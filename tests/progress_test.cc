#include "common/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <thread>

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

TEST(Progress, AHotLoopReadsTheClockRarelyAndASlowOneEveryCall) {
  // A caller a few milliseconds apart gets a line per call (interval 0).
  testing::internal::CaptureStderr();
  {
    ProgressMeter slow("slow", 5, "items", true, std::chrono::milliseconds(0));
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      slow.Advance(1);
    }
    EXPECT_EQ(slow.done(), 5);
  }
  const std::string slow_lines = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(slow_lines.begin(), slow_lines.end(), '\n'), 5) << slow_lines;
  // A million calls in a tight loop are all counted, with far fewer lines.
  testing::internal::CaptureStderr();
  ProgressMeter hot("hot", -1, "lines", true, std::chrono::milliseconds(0));
  for (int i = 0; i < 1000000; ++i) hot.Advance(1);
  EXPECT_EQ(hot.done(), 1000000);
  const std::string hot_lines = testing::internal::GetCapturedStderr();
  EXPECT_LT(std::count(hot_lines.begin(), hot_lines.end(), '\n'), 100000);
}

}  // namespace
}  // namespace getps
