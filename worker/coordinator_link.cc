#include "worker/coordinator_link.h"

#include <torch/torch.h>
#include <cstdint>

#include <utility>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/tensor_frames.h"
#include "worker/transport.h"

namespace getps {

CoordinatorLink::CoordinatorLink(const ControlClientOptions& control, const Hello& hello)
    : control_(control), client_(control) {
  welcome_ = Decode<Welcome>(client_.Join(hello));
}

void CoordinatorLink::Send(Message m) {
  m.generation = generation_;
  client_.Send(m);
}

void CoordinatorLink::DropMalformed(const Error& e) const {
  LogWarning(control_.name + ": dropped a malformed reply of the coordinator: " + e.what());
}

Message CoordinatorLink::Await(MessageType expected, std::chrono::milliseconds timeout) {
  while (true) {
    Message m = client_.Receive(timeout);
    if (m.type == MessageType::kStale) {
      // News only while in a generation older than the notice's.
      if (expected != MessageType::kGeneration && m.generation > generation_)
        throw GenerationChanged("generation " + std::to_string(generation_) +
                                " is over: the run is now in generation " +
                                std::to_string(m.generation));
      continue;
    }
    if (m.type == MessageType::kReject) {
      std::string reason = "no reason";
      try {
        reason = Decode<Reject>(m).reason;
      } catch (const Error& e) {
        DropMalformed(e);
      }
      throw Error(ErrorCode::kRefused, "the coordinator refused this replica: " + reason);
    }
    if (m.type != expected)
      throw Error(ErrorCode::kInternal, std::string("coordinator answered ") +
                                            MessageTypeName(m.type) + ", expected " +
                                            MessageTypeName(expected));
    return m;
  }
}

StepShard CoordinatorLink::NextShard(std::int64_t step, std::size_t windows, std::size_t shard) {
  const auto grant =
      Call<ShardGrant>(Encode(ShardRequest{windows, shard}, {0, static_cast<std::uint64_t>(step)}));
  if (grant.count > shard || grant.first + grant.count + grant.left > windows)
    throw Error(ErrorCode::kInternal,
                "the coordinator granted windows " + std::to_string(grant.first) + "+" +
                    std::to_string(grant.count) + " (" + std::to_string(grant.left) +
                    " left) of a step of " + std::to_string(windows));
  return {grant.first, grant.count, grant.left};
}

std::vector<double> CoordinatorLink::Reduce(ReduceOp op, const std::vector<double>& values) {
  return Call<ReduceResult>(Encode(getps::Reduce{op, values})).values;
}

std::optional<Parameters> CoordinatorLink::Pull(PullKind kind) {
  Parameters reply = Call<Parameters>(Encode(PullParameters{kind}));
  if (reply.dir.value_or("").empty()) return std::nullopt;
  return reply;
}

std::optional<std::string> CoordinatorLink::LoadBest(torch::nn::Module& module) {
  const auto best = Pull(PullKind::kBest);
  if (!best) return std::nullopt;
  torch::NoGradGuard no_grad;
  CopyIntoParameters(module, best->tensors, "the coordinator's best checkpoint " + *best->dir);
  return best->dir;
}

bool CoordinatorLink::Commit(std::int64_t step, CheckpointRequest request) {
  const auto done =
      Call<CheckpointDone>(Encode(std::move(request), {0, static_cast<std::uint64_t>(step)}));
  return !done.error.has_value();
}

void CoordinatorLink::Record(const nlohmann::json& record) { Send(Encode(Metrics{record})); }

void CoordinatorLink::WriteRunFile(const std::string& name, const std::string& text) {
  Send(Encode(RunFile{name, text}));
}

void CoordinatorLink::Finish() { Send(Encode(Shutdown{})); }

}  // namespace getps
