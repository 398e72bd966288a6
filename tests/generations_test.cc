// Generations (coordinator/generations.h): who is in each generation of an
// elastic run, when one may start, and which hosts are kept out.
#include "coordinator/generations.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace getps {
namespace {

using std::chrono::milliseconds;
using Clock = Generations::Clock;

GenerationOptions Options(int initial, int min_workers) {
  GenerationOptions o;
  o.initial = initial;
  o.min_workers = min_workers;
  o.rendezvous_timeout = milliseconds(1000);
  o.host_failures = 2;
  o.host_cooldown = milliseconds(5000);
  return o;
}

TEST(Generations, TheFirstWaitsForEveryExpectedReplicaInJoinOrder) {
  const auto t0 = Clock::now();
  Generations g(Options(3, 1), 4, t0);
  g.Joined("c", "h1", 2);
  g.Joined("a", "h1", 0);
  g.Joined("b", "h2", 1);
  g.Ready("c");
  g.Ready("a");
  EXPECT_FALSE(g.StartIfReady(t0));
  g.Ready("b");
  const auto members = g.StartIfReady(t0);
  ASSERT_TRUE(members);
  EXPECT_EQ(*members, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(g.generation(), 4u);
  EXPECT_EQ(g.IndexOf("c"), 2);
  EXPECT_TRUE(g.running());
}

TEST(Generations, ALossEndsTheGenerationAndSurvivorsKeepTheirOrderBeforeNewcomers) {
  const auto t0 = Clock::now();
  Generations g(Options(3, 1), 0, t0);
  for (auto [peer, order] : {std::pair{"a", 0}, {"b", 1}, {"c", 2}}) {
    g.Joined(peer, "h", order);
    g.Ready(peer);
  }
  ASSERT_TRUE(g.StartIfReady(t0));
  g.Joined("new", "other", 1000);
  g.Ready("new");  // waits for a commit point
  EXPECT_EQ(g.Newcomers(), std::vector<std::string>{"new"});
  EXPECT_TRUE(g.Lost("a", t0));
  EXPECT_EQ(g.End(t0), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(g.generation(), 1u);
  g.Ready("c");
  EXPECT_FALSE(g.StartIfReady(t0)) << "b, a survivor, has not rejoined";
  g.Ready("b");
  const auto members = g.StartIfReady(t0);
  ASSERT_TRUE(members);
  EXPECT_EQ(*members, (std::vector<std::string>{"b", "c", "new"}));
  EXPECT_FALSE(g.Lost("a", t0)) << "no longer a member";
}

TEST(Generations, BelowMinWorkersItWaitsThenFailsNamingTheOption) {
  const auto t0 = Clock::now();
  Generations g(Options(2, 2), 0, t0);
  g.Joined("a", "h", 0);
  g.Joined("b", "h", 1);
  g.Ready("a");
  g.Ready("b");
  ASSERT_TRUE(g.StartIfReady(t0));
  EXPECT_TRUE(g.Lost("b", t0));
  g.End(t0);
  g.Ready("a");
  EXPECT_FALSE(g.StartIfReady(t0 + milliseconds(500)));
  try {
    g.StartIfReady(t0 + milliseconds(1500));
    FAIL() << "started below --min-workers";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
    EXPECT_NE(std::string(e.what()).find("--min-workers"), std::string::npos);
  }
}

TEST(Generations, AHostThatKeepsLosingReplicasIsKeptOutForTheCooldown) {
  const auto t0 = Clock::now();
  Generations g(Options(3, 1), 0, t0);
  for (auto [peer, order] : {std::pair{"a", 0}, {"b", 1}, {"c", 2}}) {
    g.Joined(peer, peer == std::string("c") ? "good" : "bad", order);
    g.Ready(peer);
  }
  ASSERT_TRUE(g.StartIfReady(t0));
  g.Lost("a", t0);
  g.End(t0);
  EXPECT_EQ(g.Refusal("b", t0), "") << "survivors are never kept out";
  g.Ready("b");
  g.Ready("c");
  ASSERT_TRUE(g.StartIfReady(t0));
  g.Lost("b", t0 + milliseconds(1000));
  g.Joined("d", "bad", 1000);
  g.Joined("e", "good", 1001);
  const std::string why = g.Refusal("d", t0 + milliseconds(2000));
  EXPECT_NE(why.find("host bad lost 2 replicas"), std::string::npos) << why;
  EXPECT_EQ(g.Refusal("e", t0 + milliseconds(2000)), "");
  EXPECT_EQ(g.Refusal("d", t0 + milliseconds(6500)), "")
      << "both losses are older than the cool-down";
  EXPECT_EQ(g.Refusal("stranger", t0), "it has not said hello");
}

}  // namespace
}  // namespace getps
