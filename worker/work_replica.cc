#include "worker/work_replica.h"

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/json_difference.h"

namespace getps {
namespace {

constexpr std::chrono::milliseconds kAskAgain{500};

void ThrowIfRejected(const Message& m) {
  if (m.type == MessageType::kReject)
    throw Error(ErrorCode::kRefused,
                "the coordinator refused this replica: " + Decode<Reject>(m).reason);
}

}  // namespace

std::size_t RunWorkReplica(const WorkReplicaOptions& options, const WorkFunction& work) {
  ControlClient client(options.control);
  const auto job = Decode<WorkWelcome>(client.Join(options.hello)).job;
  if (const auto d = FirstDifference(options.job, job)) {
    client.Send(Encode(Shutdown{}));  // leaves at once (not counted as lost)
    throw Error(ErrorCode::kRefused,
                "the coordinator runs another job than this replica: " + d->key + " (here " +
                    Shown(d->mine) + ", the coordinator's " + Shown(d->theirs) + ")");
  }
  std::size_t items = 0;
  for (;;) {
    const Message reply = client.Request(Encode(ShardRequest{options.tasks, options.item_size}));
    ThrowIfRejected(reply);
    const auto grant = Decode<ShardGrant>(reply);
    if (grant.count == 0 && grant.left == 0) break;
    if (grant.count == 0) {  // the rest is held by others, one of which may be lost
      std::this_thread::sleep_for(kAskAgain);
      continue;
    }
    WorkResult result{grant.first, grant.count, work(grant)};
    client.Send(Encode(std::move(result)));
    ++items;
  }
  client.Send(Encode(Shutdown{}));
  return items;
}

}  // namespace getps
