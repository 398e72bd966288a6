// Which parameter server shard owns which parameter (--servers K): whole
// tensors, balanced by element count (largest first, each to the shard
// holding the fewest elements so far, ties to the lower shard), so every
// parameter and its AdamW state live on exactly one shard. Deterministic
// for a given list: the coordinator computes it once and tells the servers
// and the replicas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace getps {

struct ParameterSize {
  std::string name;
  std::int64_t elements = 0;
};

// Returns `shards` lists of names, each in the order of `parameters`.
// Throws Error(kInvalidArgument) when shards < 1 or there are fewer
// parameters than shards (a shard would own nothing).
std::vector<std::vector<std::string>> BalanceParameters(
    const std::vector<ParameterSize>& parameters, int shards);

}  // namespace getps
