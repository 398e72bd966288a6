// CommitCursor (worker/commit_cursor.h): commit lines tile the epoch, a
// commit that was not written goes with the next one, a resume starts at
// the committed window with the carried sums, a rejoin counts the windows
// trained again, and a mid-epoch cursor refuses another window order.
#include "worker/commit_cursor.h"

#include <gtest/gtest.h>
#include <cstdint>

#include "common/error.h"
#include "worker/commit_audit.h"

namespace getps {
namespace {

std::vector<Window> Order(std::uint32_t n, std::uint32_t offset = 0) {
  std::vector<Window> order;
  for (std::uint32_t i = 0; i < n; ++i) order.push_back({0, 0, i + offset});
  return order;
}

TEST(CommitCursor, LinesTileTheEpochAndAnUnwrittenCommitGoesWithTheNext) {
  CommitCursor c;
  c.Restart(nullptr, 0);
  const auto start = c.BeginEpoch(Order(10));
  EXPECT_EQ(start.first, 0u);
  auto meta = c.CommitMeta({{"step", 2}}, 0, 2, 1, 4, 1.5, 4);
  EXPECT_EQ(meta.at("windows_done"), 4);
  EXPECT_EQ(meta.at("epoch_loss_sum"), 1.5);
  ASSERT_EQ(meta.at("commit").size(), 1u);
  EXPECT_EQ(meta.at("commit")[0].at("from"), 0);
  EXPECT_EQ(meta.at("commit")[0].at("to"), 4);
  EXPECT_FALSE(meta.at("commit")[0].contains("resumed_at"));
  c.Committed(/*written=*/false, meta, 4);
  meta = c.CommitMeta({{"step", 5}}, 0, 5, 1, 10, 3.0, 10);
  EXPECT_EQ(meta.at("windows_done"), 0);    // the epoch's end
  ASSERT_EQ(meta.at("commit").size(), 2u);  // the unwritten one's line first
  EXPECT_EQ(meta.at("commit")[1].at("from"), 4);
  EXPECT_EQ(meta.at("commit")[1].at("to"), 10);
  // The two lines' digests add up to the plan's: nothing lost or doubled.
  const auto order = Order(10);
  EXPECT_EQ(DigestHex(WindowSetDigest({order.data(), 4}) + WindowSetDigest({order.data() + 4, 6})),
            meta.at("commit")[0].at("plan_digest"));
  c.Committed(true, meta, 10);
  EXPECT_EQ(c.CommitMeta({}, 1, 6, 1, 3, 0, 0).at("commit").size(), 1u);
}

TEST(CommitCursor, AResumeStartsAtTheCommittedWindowWithItsSums) {
  CommitCursor first;
  first.Restart(nullptr, 0);
  first.BeginEpoch(Order(10));
  const auto meta = first.CommitMeta({{"step", 3}}, 0, 3, 1, 6, 2.5, 6);
  CommitCursor c;
  c.Restart(meta, 1);
  EXPECT_EQ(c.generation(), 1);
  EXPECT_EQ(c.resume_window(), 6u);
  EXPECT_NO_THROW(c.CheckOrder(meta, Order(10), "checkpoint X"));
  try {
    c.CheckOrder(meta, Order(10, 100), "checkpoint X");
    FAIL() << "another order was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint X stopped mid-epoch in another window order"),
              std::string::npos);
  }
  const auto start = c.BeginEpoch(Order(10));
  EXPECT_EQ(start.first, 6u);
  EXPECT_EQ(start.loss_sum, 2.5);
  EXPECT_EQ(start.seen, 6);
  const auto line = c.CommitMeta({}, 0, 5, 3, 10, 0, 0).at("commit")[0];
  EXPECT_EQ(line.at("resumed_at"), 6);
  EXPECT_EQ(line.at("replicas"), 3);
  EXPECT_EQ(line.at("generation"), 1);
}

TEST(CommitCursor, ARejoinCountsTheWindowsTrainedPastTheCommit) {
  CommitCursor c;
  c.Restart(nullptr, 0);
  c.BeginEpoch(Order(20));
  const auto meta = c.CommitMeta({{"step", 2}}, 0, 2, 2, 8, 0, 8);
  c.Committed(true, meta, 8);
  c.Trained(0, 12);  // the generation got to window 12, then ended
  EXPECT_EQ(c.Rejoin(meta, 1, /*epochs_done=*/0), 4u);
  EXPECT_EQ(c.resume_window(), 8u);
  c.BeginEpoch(Order(20));
  EXPECT_EQ(c.CommitMeta({}, 0, 3, 2, 16, 0, 0).at("commit")[0].at("reissued"), 4);
  // A generation that had not passed the commit trains nothing again.
  CommitCursor d;
  d.Restart(nullptr, 0);
  EXPECT_EQ(d.Rejoin(nullptr, 1, 0), 0u);
}

}  // namespace
}  // namespace getps
