#include "coordinator/mpi_pushes.h"

#include <utility>

#include "common/error.h"
#include "common/log.h"

namespace getps {

bool MpiPushes::NamesMpiData(const Message& m) {
  return m.type == MessageType::kPushGradients && m.body.contains("mpi");
}

void MpiPushes::Accept(const std::string& peer, const Message& push) {
  Reap();
  auto body = Decode<ShardPush>(push);
  const MpiData data = *body.mpi;
  ranks_[peer] = data.rank;
  MpiReceipt receipt = ReceiveMpiData(plane_.comm, data);
  body.mpi.reset();
  body.tensors = std::move(receipt.frames);
  pending_.push_back({peer, Encode(std::move(body), {push.generation, push.step}),
                      std::move(receipt.transfers), Clock::now() + timeout_});
}

void MpiPushes::Drain(const Message& push) {
  Reap();
  const auto body = Decode<ShardPush>(push);
  drains_.push_back(
      {std::move(ReceiveMpiData(plane_.comm, *body.mpi).transfers), Clock::now() + timeout_});
}

std::vector<std::string> MpiPushes::DrainAll() {
  std::vector<std::string> peers;
  for (auto& p : pending_) {
    peers.push_back(p.peer);
    drains_.push_back({std::move(p.transfers), p.deadline});
  }
  pending_.clear();
  return peers;
}

// Whether `transfers` completed; a failed one (its peer's fault: a lost
// rank, say) counts as given up, logged with `what`.
bool MpiPushes::Completes(MpiTransfers& transfers, const std::string& what, bool* failed) {
  try {
    return transfers.Test();
  } catch (const Error& e) {
    LogWarning("MPI data plane: " + what + " failed: " + e.what());
    *failed = true;
    return false;
  }
}

Replies MpiPushes::Ready() {
  Reap();
  Replies out;
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    bool failed = false;
    if (!Completes(front.transfers, "the push of " + front.peer, &failed) && !failed) break;
    if (failed)
      given_up_.push_back(front.peer);  // its receives linger (~MpiTransfers)
    else
      out.push_back({front.peer, std::move(front.push)});
    pending_.pop_front();
  }
  return out;
}

std::vector<std::string> MpiPushes::Expired() {
  std::vector<std::string> out = std::move(given_up_);
  given_up_.clear();
  const auto now = Clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    bool failed = false;
    const bool done = Completes(it->transfers, "the push of " + it->peer, &failed);
    if (failed || (!done && now > it->deadline)) {
      out.push_back(it->peer);
      it = pending_.erase(it);  // its receives are cancelled (~MpiTransfers)
    } else {
      ++it;
    }
  }
  return out;
}

Message MpiPushes::Outgoing(const std::string& peer, const Message& reply) {
  const auto rank = ranks_.find(peer);
  if (reply.type != MessageType::kParameters || rank == ranks_.end()) return reply;
  auto body = Decode<Parameters>(reply);
  // Each answer to a peer has a tag of its own (the generation and how many
  // answers went to that peer before), so bytes of one the peer never took
  // cannot match the next.
  const int tag = MpiDataTag(reply.generation, answers_[peer]++);
  body.mpi = DescribeMpiData(plane_.rank, tag, body.tensors);
  MpiTransfers sends(plane_.comm);
  sends.Send(rank->second, tag, body.tensors);
  sends_.push_back({std::move(sends), Clock::now() + timeout_});
  body.tensors.clear();
  return Encode(std::move(body), {reply.generation, reply.step});
}

void MpiPushes::Reap() {
  const auto now = Clock::now();
  auto over = [now](InFlight& f) {
    bool failed = false;  // a failed drain or send is dropped, like one past its deadline
    return Completes(f.transfers, "a drain or a send of weights", &failed) || failed ||
           now > f.deadline;
  };
  std::erase_if(drains_, over);
  std::erase_if(sends_, over);
}

}  // namespace getps
