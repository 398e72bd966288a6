// The messages of the work queue (coordinator/work_server.h,
// worker/work_replica.h: `getps explain` under mpirun), beside the
// control plane's own (messages.h, whose Encode and Decode they use).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/messages.h"

namespace getps {

// A work queue (coordinator/work_server.h: `getps explain` under mpirun).
// Replica -> coordinator: ShardRequest{items, item size} asks for work,
// answered with a ShardGrant (first, count: tasks [first, first + count);
// count 0: none now, `left` tasks are held by others, ask again; count and
// left 0: nothing is left, leave); WorkResult returns a grant's result;
// Shutdown says it leaves.

// Coordinator -> replica: accepted; `job` says what every replica must be
// working on (the replica checks it against its own and leaves if not).
struct WorkWelcome {
  static constexpr MessageType kType = MessageType::kWelcome;
  nlohmann::json job = nlohmann::json::object();
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("job", s.job);
  }
};

// Replica -> coordinator: the result (tensors) of the grant of tasks
// [first, first + count).
struct WorkResult {
  static constexpr MessageType kType = MessageType::kWorkResult;
  std::size_t first = 0, count = 0;
  std::vector<TensorFrame> tensors;
  template <class S, class V>
  static void Fields(S& s, V& v) {
    v("first", s.first);
    v("count", s.count);
  }
};

}  // namespace getps
