#include "coordinator/mpi_pushes.h"

#include <utility>

#include "common/error.h"

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

void MpiPushes::DrainAll() {
  for (auto& p : pending_) drains_.push_back({std::move(p.transfers), p.deadline});
  pending_.clear();
}

Replies MpiPushes::Ready() {
  Reap();
  Replies out;
  while (!pending_.empty() && pending_.front().transfers.Test()) {
    out.push_back({pending_.front().peer, std::move(pending_.front().push)});
    pending_.pop_front();
  }
  return out;
}

std::vector<std::string> MpiPushes::Expired() {
  std::vector<std::string> out;
  const auto now = Clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now > it->deadline && !it->transfers.Test()) {
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
  const int tag = MpiDataTag(reply.generation, reply.step);
  body.mpi = DescribeMpiData(plane_.rank, tag, body.tensors);
  MpiTransfers sends(plane_.comm);
  sends.Send(rank->second, tag, body.tensors);
  sends_.push_back({std::move(sends), Clock::now() + timeout_});
  body.tensors.clear();
  return Encode(std::move(body), {reply.generation, reply.step});
}

void MpiPushes::Reap() {
  const auto now = Clock::now();
  auto over = [now](InFlight& f) { return f.transfers.Test() || now > f.deadline; };
  std::erase_if(drains_, over);
  std::erase_if(sends_, over);
}

}  // namespace getps
