// RunWorkReplica: a replica of a work-queue job (coordinator/work_server.h):
// it joins the coordinator, checks that the coordinator's job is its own,
// then asks for items of tasks, computes each with `work` and returns the
// result, until the coordinator has nothing left for it.
//
// Error contract: throws Error(kRefused) when the coordinator refuses this
// replica (another job, or it was dropped as lost: a late result is not
// taken, see work_queue.h), Error(kTimeout) when the coordinator does not
// answer within the control channel's timeout; what `work` throws
// propagates (the item is then handed to another replica once this one's
// connection is gone).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/work_messages.h"

namespace getps {

struct WorkReplicaOptions {
  ControlClientOptions control;
  Hello hello;                                    // role, host, rank (name from control)
  nlohmann::json job = nlohmann::json::object();  // must equal the coordinator's
  std::size_t tasks = 0, item_size = 0;           // the job's, in the request
};

// The result of tasks [grant.first, grant.first + grant.count): its
// tensors (each frame owning its memory).
using WorkFunction = std::function<std::vector<TensorFrame>(const ShardGrant& grant)>;

// Returns the number of items this replica computed.
std::size_t RunWorkReplica(const WorkReplicaOptions& options, const WorkFunction& work);

}  // namespace getps
