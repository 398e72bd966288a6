#include "coordinator/work_queue.h"

#include <gtest/gtest.h>

namespace getps {
namespace {

WorkQueue ThreeItems() { return WorkQueue({{0, 4}, {4, 4}, {8, 2}}); }

TEST(WorkQueue, HandsOutItemsInOrderOnePerPeer) {
  WorkQueue q = ThreeItems();
  EXPECT_EQ(q.tasks_left(), 10u);
  EXPECT_EQ(q.Take("a")->first, 0u);
  EXPECT_FALSE(q.Take("a")) << "a peer holds one item at a time";
  EXPECT_EQ(q.Take("b")->first, 4u);
  EXPECT_EQ(q.Held("b")->count, 4u);
  EXPECT_EQ(q.left(), 1u);
  EXPECT_EQ(q.tasks_left(), 10u) << "held items are not done";
}

TEST(WorkQueue, OnlyTheHolderCompletesAnItemAndOnlyOnce) {
  WorkQueue q = ThreeItems();
  q.Take("a");
  EXPECT_FALSE(q.Complete("b", 0)) << "b holds nothing";
  EXPECT_FALSE(q.Complete("a", 4)) << "a holds the item at 0, not 4";
  EXPECT_TRUE(q.Complete("a", 0));
  EXPECT_FALSE(q.Complete("a", 0)) << "a result counts once";
  EXPECT_EQ(q.done(), 1u);
  EXPECT_EQ(q.tasks_left(), 6u);
}

TEST(WorkQueue, ALostPeersItemGoesToTheNextAndItsLateResultIsRefused) {
  WorkQueue q = ThreeItems();
  q.Take("a");
  q.Take("b");
  EXPECT_EQ(q.Release("a")->first, 0u);
  EXPECT_FALSE(q.Release("a")) << "nothing held any more";
  EXPECT_EQ(q.Take("c")->first, 0u) << "a released item goes first";
  EXPECT_FALSE(q.Complete("a", 0)) << "the late result of the lost peer";
  EXPECT_TRUE(q.Complete("c", 0));
  EXPECT_TRUE(q.Complete("b", 4));
  EXPECT_FALSE(q.finished());
  EXPECT_EQ(q.Take("a")->first, 8u);
  EXPECT_TRUE(q.Complete("a", 8));
  EXPECT_TRUE(q.finished());
  EXPECT_EQ(q.done(), 3u);
  EXPECT_FALSE(q.Take("d"));
}

TEST(WorkQueue, AnEmptyJobIsFinished) {
  WorkQueue q({});
  EXPECT_TRUE(q.finished());
  EXPECT_FALSE(q.Take("a"));
}

}  // namespace
}  // namespace getps
