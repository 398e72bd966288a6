#include "coordinator/parameter_slices.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

#include "common/error.h"

namespace getps {

std::vector<std::vector<std::string>> BalanceParameters(
    const std::vector<ParameterSize>& parameters, int shards) {
  if (shards < 1 || parameters.size() < static_cast<std::size_t>(shards))
    throw Error(ErrorCode::kInvalidArgument, "cannot spread " + std::to_string(parameters.size()) +
                                                 " parameter tensors over " +
                                                 std::to_string(shards) + " server shard(s)");
  std::vector<std::size_t> order(parameters.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return parameters[a].elements > parameters[b].elements;
  });
  std::vector<std::int64_t> load(static_cast<std::size_t>(shards));
  std::vector<int> owner(parameters.size());
  for (std::size_t i : order) {
    const auto lightest =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    owner[i] = static_cast<int>(lightest);
    load[lightest] += parameters[i].elements;
  }
  std::vector<std::vector<std::string>> out(static_cast<std::size_t>(shards));
  for (std::size_t i = 0; i < parameters.size(); ++i)
    out[static_cast<std::size_t>(owner[i])].push_back(parameters[i].name);
  return out;
}

}  // namespace getps
