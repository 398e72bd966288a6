// StepShards: the shards of a step tile it in hand-out order, each grant
// says how many windows it left, a replica that asks more often gets more
// of them, and requests out of step are errors.
#include "coordinator/step_shards.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace getps {
namespace {

TEST(StepShards, ShardsTileTheStepAndGoToWhoeverAsks) {
  StepShards shards;
  // Step 7 of 10 windows in shards of 4: 0-3, 4-7, 8-9, then none.
  StepShard a = shards.Take(0, 7, 10, 4);
  StepShard b = shards.Take(1, 7, 10, 4);
  StepShard c = shards.Take(0, 7, 10, 4);
  StepShard none = shards.Take(1, 7, 10, 4);
  EXPECT_EQ(a.first, 0u);
  EXPECT_EQ(a.count, 4u);
  EXPECT_EQ(b.first, 4u);
  EXPECT_EQ(b.count, 4u);
  EXPECT_EQ(c.first, 8u);
  EXPECT_EQ(c.count, 2u);  // the step's short tail
  EXPECT_EQ(none.count, 0u);
  // What each grant left: the one that leaves 0 is its replica's last.
  EXPECT_EQ(a.left, 6u);
  EXPECT_EQ(b.left, 2u);
  EXPECT_EQ(c.left, 0u);
  EXPECT_EQ(none.left, 0u);
  EXPECT_EQ(shards.Take(0, 7, 10, 4).count, 0u);  // and stays so
  EXPECT_EQ(shards.HandedTo(0, 7), 6u);
  EXPECT_EQ(shards.HandedTo(1, 7), 4u);
  EXPECT_EQ(shards.HandedTo(2, 7), 0u);
  EXPECT_EQ(shards.HandedTo(0, 6), 0u);
  EXPECT_EQ(shards.handed(), 10u);
  // The next step starts afresh.
  StepShard next = shards.Take(1, 8, 3, 4);
  EXPECT_EQ(next.first, 0u);
  EXPECT_EQ(next.count, 3u);
  EXPECT_EQ(shards.HandedTo(0, 8), 0u);
  EXPECT_EQ(shards.HandedTo(1, 8), 3u);
}

TEST(StepShards, RequestsOutOfStepAreErrors) {
  StepShards shards;
  shards.Take(0, 3, 8, 4);
  // Step 4 cannot begin while step 3 has windows nobody took.
  EXPECT_THROW(shards.Take(1, 4, 8, 4), Error);
  // Another size for the same step.
  EXPECT_THROW(shards.Take(1, 3, 9, 4), Error);
  EXPECT_THROW(shards.Take(1, 3, 8, 2), Error);
  shards.Take(1, 3, 8, 4);
  shards.Take(0, 4, 8, 4);
  // Step 3 is over.
  EXPECT_THROW(shards.Take(1, 3, 8, 4), Error);
  EXPECT_THROW(shards.Take(1, 4, 0, 4), Error);
  EXPECT_THROW(shards.Take(1, 4, 8, 0), Error);
}

TEST(StepShards, AResetLetsANewGenerationGoBackToItsCommit) {
  StepShards shards;
  shards.Take(0, 20, 8, 4);
  shards.Reset();
  const StepShard again = shards.Take(1, 15, 8, 4);  // rolled back to step 15
  EXPECT_EQ(again.first, 0u);
  EXPECT_EQ(again.count, 4u);
  EXPECT_EQ(shards.HandedTo(1, 15), 4u);
}

}  // namespace
}  // namespace getps
