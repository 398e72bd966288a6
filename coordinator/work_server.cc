#include "coordinator/work_server.h"

#include <map>
#include <optional>

#include "common/error.h"
#include "common/log.h"

namespace getps {
namespace {

using Clock = std::chrono::steady_clock;

std::string Range(const WorkItem& item) {
  return "tasks [" + std::to_string(item.first) + ", " + std::to_string(item.first + item.count) +
         ")";
}

// One serving of a work queue; see ServeWork.
class WorkServer {
 public:
  WorkServer(const WorkServerOptions& options, ControlServer& server, std::vector<WorkItem> items,
             const WorkSink& sink)
      : o_(options), server_(server), queue_(std::move(items)), sink_(sink) {}

  WorkAudit Serve() {
    auto last_probe = Clock::now(), last_member = Clock::now();
    while (!Over(last_member)) {
      if (Clock::now() - last_probe > o_.probe_interval) {
        Probe();
        last_probe = Clock::now();
      }
      if (!peers_.empty()) last_member = Clock::now();
      if (!queue_.finished() && peers_.empty() && o_.replicas > 0 && audit_.replicas >= o_.replicas)
        throw Error(ErrorCode::kTimeout,
                    "every replica is gone with " + std::to_string(queue_.tasks_left()) +
                        " tasks left (what is done is kept: rerun the same command to resume)");
      if (!queue_.finished() && Clock::now() - last_member > o_.timeout)
        throw Error(ErrorCode::kTimeout,
                    "no replica for " + std::to_string(o_.timeout.count() / 1000) + " s with " +
                        std::to_string(queue_.tasks_left()) +
                        " tasks left (what is done is kept: rerun the same command to resume)");
      auto in = server_.Receive(std::chrono::milliseconds(200));
      if (!in) continue;
      if (!in->message) {
        LogWarning("coordinator: refused a message: " + in->error);
        continue;
      }
      try {
        Handle(in->peer, *in->message);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kFormatMismatch) throw;
        LogWarning("coordinator: refused a message of " + Name(in->peer) + ": " + e.what());
      }
    }
    return audit_;
  }

 private:
  // Whether the serving is over: every item done, every replica that
  // joined gone, and the expected replicas all joined (or none for
  // `timeout` since the last one left: they may have died starting).
  bool Over(Clock::time_point last_member) const {
    if (!queue_.finished() || !peers_.empty()) return false;
    if (audit_.replicas >= o_.replicas) return true;
    if (Clock::now() - last_member < o_.timeout) return false;
    LogWarning("coordinator: " + std::to_string(o_.replicas - audit_.replicas) +
               " expected replicas never joined");
    return true;
  }

  void Handle(const std::string& peer, const Message& m) {
    if (m.type == MessageType::kHeartbeat) return;
    if (m.type == MessageType::kHello) return Greet(peer, Decode<Hello>(m));
    if (!peers_.count(peer)) {
      TrySend(peer, Encode(Reject{"not a member of this job (say hello first)"}));
      return;
    }
    switch (m.type) {
      case MessageType::kShardRequest:
        return Request(peer, Decode<ShardRequest>(m));
      case MessageType::kWorkResult:
        return Result(peer, Decode<WorkResult>(m));
      case MessageType::kShutdown:
        LogInfo("coordinator: " + Name(peer) + " finished");
        return Lose(peer, false);
      default:
        LogWarning(std::string("coordinator: ignored a ") + MessageTypeName(m.type) +
                   " message of " + Name(peer));
    }
  }

  void Greet(const std::string& peer, const Hello& hello) {
    if (hello.role != PeerRole::kReplica) {
      TrySend(peer, Encode(Reject{"only replicas join a work queue"}));
      return;
    }
    const std::string name = hello.name + (hello.host ? " on " + *hello.host : std::string());
    if (!TrySend(peer, Encode(WorkWelcome{o_.job}))) return;
    peers_[peer] = name;
    ++audit_.replicas;
    LogInfo("coordinator: " + name + " joined");
  }

  void Request(const std::string& peer, const ShardRequest& r) {
    if (r.windows != o_.tasks) {
      TrySend(peer, Encode(Reject{"this job has " + std::to_string(o_.tasks) + " tasks, not " +
                                  std::to_string(r.windows)}));
      return Lose(peer, false);
    }
    Grant(peer);
  }

  void Result(const std::string& peer, const WorkResult& r) {
    const auto held = queue_.Held(peer);
    if (!held || held->first != r.first || held->count != r.count) {
      ++audit_.dropped;
      LogWarning("coordinator: dropped the result of " + Name(peer) + " for " +
                 Range({r.first, r.count}) + ": not an item it holds (taken back, or done)");
      return;
    }
    sink_(*held, r, Name(peer));
    queue_.Complete(peer, r.first);
    ++audit_.results;
  }

  // An item while any is left; else "none now" (count 0) with the tasks
  // others hold (one of them may yet be lost: ask again), or "nothing
  // left" (count and left 0: leave) once all are done.
  void Grant(const std::string& peer) {
    ShardGrant grant{0, 0, queue_.tasks_left()};
    if (const auto item = queue_.Take(peer))
      grant = {item->first, item->count, queue_.tasks_left() - item->count};
    if (!TrySend(peer, Encode(grant))) Lose(peer, true);
  }

  void Probe() {
    const Message probe = Encode(KeepAlive{});
    std::vector<std::string> gone;
    for (const auto& [peer, name] : peers_)
      if (!TrySend(peer, probe)) gone.push_back(peer);
    for (const auto& peer : gone) Lose(peer, true);
  }

  // `peer` leaves (lost: its process ended or it went silent); an item it
  // held goes to the next replica that asks.
  void Lose(const std::string& peer, bool lost) {
    const std::string name = Name(peer);
    if (const auto item = queue_.Release(peer)) {
      ++audit_.taken_back;
      LogWarning("coordinator: " + name + (lost ? " is lost" : " left") + "; its " + Range(*item) +
                 " go to another replica");
    } else if (lost) {
      LogWarning("coordinator: " + name + " is lost");
    }
    if (lost) audit_.lost.push_back(name);
    peers_.erase(peer);
  }

  bool TrySend(const std::string& peer, const Message& m) {
    try {
      server_.Send(peer, m);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  std::string Name(const std::string& peer) const {
    auto it = peers_.find(peer);
    return it == peers_.end() ? "peer " + peer : it->second;
  }

  const WorkServerOptions& o_;
  ControlServer& server_;
  WorkQueue queue_;
  const WorkSink& sink_;
  std::map<std::string, std::string> peers_;  // members -> their names
  WorkAudit audit_;
};

}  // namespace

WorkAudit ServeWork(const WorkServerOptions& options, ControlServer& server,
                    std::vector<WorkItem> items, const WorkSink& sink) {
  return WorkServer(options, server, std::move(items), sink).Serve();
}

}  // namespace getps
