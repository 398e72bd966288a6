// ServeWork: rank 0 of a work-queue job (`getps explain` under mpirun). It
// hands items of tasks to the replicas that ask (ShardRequest ->
// ShardGrant; count 0 with `left` > 0: none now, ask again), takes each item's result back
// (WorkResult) and gives it to the caller's sink, and hands the item of a lost replica (its process
// ended, or it missed heartbeats) to the next that asks. The protocol is
// in protocol/messages.h (the work queue's messages); the replica's side
// in worker/work_replica.h.
//
// Error contract:
// - a message that does not decode, or comes from a peer that did not say
//   hello, is logged and refused; the loop goes on;
// - a result for an item its sender does not hold (taken back after a lost
//   heartbeat, or done already) is logged and dropped: no item counts
//   twice (work_queue.h);
// - with work left and no replica for `timeout`, throws Error(kTimeout),
//   and at once when every expected replica is gone;
//   what the sink has written stays (the caller resumes from it);
// - what the sink throws ends the serving (and propagates).
//
// Ownership: `server` is not owned and outlives the call. One thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coordinator/work_queue.h"
#include "protocol/control_channel.h"
#include "protocol/work_messages.h"

namespace getps {

struct WorkServerOptions {
  nlohmann::json job = nlohmann::json::object();  // every replica's welcome
  std::size_t tasks = 0;                          // the job's; a request for another is refused
  std::chrono::milliseconds timeout{300000};      // with work left and no replica
  std::chrono::milliseconds probe_interval{1000};
  // The replicas expected (0: unknown). Once that many joined and all are
  // gone with work left, none will come: throws Error(kTimeout) at once.
  std::size_t replicas = 0;
};

// What happened, for the log and the tests.
struct WorkAudit {
  std::size_t replicas = 0;       // hellos welcomed
  std::size_t results = 0;        // items done (sink calls)
  std::size_t taken_back = 0;     // items of lost replicas handed out again
  std::size_t dropped = 0;        // results refused (not held by their sender)
  std::vector<std::string> lost;  // the lost replicas' names
};

// Called once per item, with the result and the name of the replica
// ("replica 2 on host-a") that computed it.
using WorkSink =
    std::function<void(const WorkItem& item, const WorkResult& result, const std::string& who)>;

// Serves `items` until every one is done, every replica that joined left
// (or was lost), and the expected `replicas` joined (a replica that comes
// after the work is done is told so and leaves; with no items at all each
// one only joins and leaves).
WorkAudit ServeWork(const WorkServerOptions& options, ControlServer& server,
                    std::vector<WorkItem> items, const WorkSink& sink);

}  // namespace getps
