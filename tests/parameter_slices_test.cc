// BalanceParameters: every parameter on exactly one shard, the shards'
// element counts as even as whole tensors allow, model order kept.
#include "coordinator/parameter_slices.h"

#include <gtest/gtest.h>

#include <map>

#include "common/error.h"

namespace getps {
namespace {

TEST(ParameterSlices, EveryParameterOnOneShardBalancedByElements) {
  const std::vector<ParameterSize> sizes = {{"embed.weight", 1000}, {"embed.bias", 10},
                                            {"block.weight", 600},  {"block.bias", 10},
                                            {"head.weight", 500},   {"head.bias", 1}};
  const auto shards = BalanceParameters(sizes, 2);
  ASSERT_EQ(shards.size(), 2u);
  // Largest first: 1000 -> 0, 600 -> 1, 500 -> 1 (1100), 10 -> 0, 10 -> 0, 1 -> 0.
  EXPECT_EQ(shards[0],
            (std::vector<std::string>{"embed.weight", "embed.bias", "block.bias", "head.bias"}));
  EXPECT_EQ(shards[1], (std::vector<std::string>{"block.weight", "head.weight"}));
  std::map<std::string, int> seen;
  for (const auto& shard : shards)
    for (const auto& name : shard) ++seen[name];
  EXPECT_EQ(seen.size(), sizes.size());
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
}

TEST(ParameterSlices, OneShardTakesAllAndTooManyShardsIsAnError) {
  const std::vector<ParameterSize> sizes = {{"a", 3}, {"b", 5}};
  EXPECT_EQ(BalanceParameters(sizes, 1)[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(BalanceParameters(sizes, 3), Error);
  EXPECT_THROW(BalanceParameters(sizes, 0), Error);
}

}  // namespace
}  // namespace getps
