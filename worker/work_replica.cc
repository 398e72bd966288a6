#include "worker/work_replica.h"

#include <chrono>
#include <thread>

#include "common/error.h"

namespace getps {
namespace {

constexpr std::chrono::milliseconds kAskAgain{500};

// The first key whose value differs between two job descriptions.
std::string FirstDifference(const nlohmann::json& mine, const nlohmann::json& theirs) {
  for (const auto& [key, value] : mine.items())
    if (!theirs.contains(key) || theirs.at(key) != value)
      return key + " (here " + value.dump() + ", the coordinator's " +
             (theirs.contains(key) ? theirs.at(key).dump() : "absent") + ")";
  for (const auto& [key, value] : theirs.items())
    if (!mine.contains(key)) return key + " (absent here)";
  return "";
}

void ThrowIfRejected(const Message& m) {
  if (m.type == MessageType::kReject)
    throw Error(ErrorCode::kRefused,
                "the coordinator refused this replica: " + Decode<Reject>(m).reason);
}

}  // namespace

std::size_t RunWorkReplica(const WorkReplicaOptions& options, const WorkFunction& work) {
  ControlClient client(options.control);
  const auto job = Decode<WorkWelcome>(client.Join(options.hello)).job;
  if (job != options.job) {
    client.Send(Encode(Shutdown{}));  // leaves at once (not counted as lost)
    throw Error(ErrorCode::kRefused, "the coordinator runs another job than this replica: " +
                                         FirstDifference(options.job, job));
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
