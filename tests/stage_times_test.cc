#include "common/stage_times.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <vector>

namespace getps {
namespace {

TEST(StageTimes, RecordsStagesInOrderWithTheirShares) {
  double clock = 100.0;
  StageTimes times([&clock] { return clock; });
  times.Start("peaks");
  clock += 1.0;
  times.Start("count");  // ends "peaks"
  clock += 3.0;
  times.Stop();
  clock += 50.0;  // between stages: counted nowhere
  times.Stop();   // nothing running: no stage
  times.Start("scan");
  clock += 6.0;
  times.Stop();
  ASSERT_EQ(times.stages().size(), 3u);
  EXPECT_EQ(times.stages()[0], (std::pair<std::string, double>{"peaks", 1.0}));
  EXPECT_EQ(times.stages()[1], (std::pair<std::string, double>{"count", 3.0}));
  EXPECT_EQ(times.stages()[2], (std::pair<std::string, double>{"scan", 6.0}));
  EXPECT_EQ(times.Summary(), "peaks 1.0 s (10%), count 3.0 s (30%), scan 6.0 s (60%)");
  EXPECT_EQ(StageTimes([] { return 0.0; }).Summary(), "");
}

TEST(StageTimes, PeakMemoryCoversWhatTheProcessHolds) {
  EXPECT_GT(PeakResidentBytes(), 1 << 20);             // a test binary holds more than a megabyte
  std::vector<char> block(std::size_t{256} << 20, 1);  // touched: resident
  EXPECT_GE(PeakResidentBytes(), std::int64_t{256} << 20) << static_cast<int>(block[12345]);
}

}  // namespace
}  // namespace getps
