#include "coordinator/step_exchange.h"

#include <algorithm>

#include "common/error.h"
#include "worker/optimizer.h"

namespace getps {

Replies StepExchange::Shard(const std::string& peer, int replica, const Message& request) {
  const StepShard shard =
      shards_.Take(replica, request.step, request.body.at("windows").get<std::size_t>(),
                   request.body.at("shard").get<std::size_t>());
  Message grant;
  grant.type = MessageType::kShardGrant;
  grant.step = request.step;
  grant.body = {{"first", shard.first}, {"count", shard.count}};
  return {{peer, grant}};
}

// Synchronous: the update applies once every replica pushed this step, and
// (where shards are handed out) once the pushes account for every window of
// the step exactly.
Replies StepExchange::Push(const std::string& peer, int replica, int replicas,
                           const Message& push) {
  if (!ps_) throw Error(ErrorCode::kInternal, "gradients pushed to a --sync mpi coordinator");
  if (staleness_ >= 0) return PushAsync(peer, replica, replicas, push);
  if (push.body.contains("windows")) {
    const auto windows = push.body["windows"].get<std::size_t>();
    if (windows != shards_.HandedTo(replica, push.step))
      throw Error(ErrorCode::kInternal, "replica " + std::to_string(replica) + " pushed step " +
                                            std::to_string(push.step) + " for " +
                                            std::to_string(windows) + " windows; it was handed " +
                                            std::to_string(shards_.HandedTo(replica, push.step)));
  }
  ps_->Accumulate(push.step, push.tensors);
  waiting_.emplace_back(peer, replica);
  if (ps_->pushes() < replicas) return {};
  if (push.body.contains("windows")) {  // each push accounted for what its replica was handed
    std::size_t pushed = 0;
    for (const auto& [p, r] : waiting_) pushed += shards_.HandedTo(r, push.step);
    if (pushed != shards_.windows() || shards_.handed() != shards_.windows())
      throw Error(ErrorCode::kInternal, "step " + std::to_string(push.step) + ": pushes for " +
                                            std::to_string(pushed) + " of its " +
                                            std::to_string(shards_.windows()) + " windows");
  }
  const double clip = push.body.at("clip").get<double>();
  lr_ = push.body.at("lr").get<double>();
  step_ = push.step;
  if (split_norm_ && clip > 0) {  // the replicas add up every shard's part
    Message part;
    part.type = MessageType::kReduce;
    part.step = push.step;
    part.body["values"] = std::vector<double>{ps_->GradientSquaredNorm()};
    scale_pending_ = true;
    scales_ = 0;
    Replies out;
    for (const auto& [p, r] : waiting_) out.push_back({p, part});
    return out;
  }
  ps_->Apply(lr_, clip);
  return Release(push.step + 1);
}

Replies StepExchange::Scale(const std::string& peer, int replicas, const Message& request) {
  const auto values = request.body.at("values").get<std::vector<double>>();
  if (!scale_pending_ || request.step != step_ || values.size() != 1)
    throw Error(ErrorCode::kInternal,
                "a scale factor for step " + std::to_string(request.step) + " that is not awaited");
  if (scales_ == 0) scale_ = values[0];
  if (values[0] != scale_)
    throw Error(ErrorCode::kInternal, "replicas disagree on the gradient scale of step " +
                                          std::to_string(step_) + " (peer " + peer + ")");
  if (++scales_ < replicas) return {};
  scale_pending_ = false;
  ps_->ScaleGradients(scale_);
  ps_->Apply(lr_, 0);
  return Release(step_ + 1);
}

Replies StepExchange::Release(std::uint64_t next_step) {
  Message weights;
  weights.type = MessageType::kParameters;
  weights.step = next_step;
  weights.tensors = ps_->Snapshot();
  Replies out;
  for (const auto& [p, r] : std::exchange(waiting_, {})) out.push_back({p, weights});
  return out;
}

// Asynchronous with a staleness bound (stale synchronous parallel): each
// push is applied at once; the pusher gets the newest weights as soon as it
// is at most `staleness` pushes ahead of the slowest replica.
Replies StepExchange::PushAsync(const std::string& peer, int replica, int replicas,
                                const Message& push) {
  if (clock_.empty()) clock_.assign(static_cast<std::size_t>(replicas), 0);
  ps_->Accumulate(push.step, push.tensors);
  const double clip = push.body.at("clip").get<double>(), lr = push.body.at("lr").get<double>();
  if (split_norm_ && clip > 0) {  // the pusher's own norm: its push applies alone
    ps_->ScaleGradients(ClipFactor(clip, push.body.at("sq_norm").get<double>()));
    ps_->Apply(lr, 0);
  } else {
    ps_->Apply(lr, clip);
  }
  ++clock_.at(static_cast<std::size_t>(replica));
  waiting_.emplace_back(peer, replica);
  const int slowest = *std::min_element(clock_.begin(), clock_.end());
  Replies out;
  std::vector<std::pair<std::string, int>> still;
  Message weights;
  weights.type = MessageType::kParameters;
  for (const auto& [p, r] : waiting_) {
    if (clock_[static_cast<std::size_t>(r)] - slowest > staleness_) {
      still.emplace_back(p, r);
      continue;
    }
    if (weights.tensors.empty()) weights.tensors = ps_->Snapshot();
    out.push_back({p, weights});
  }
  waiting_ = std::move(still);
  return out;
}

// Sums and gathers: answered once every replica has sent its part; a
// gather goes to replica 0, the others get an empty list.
Replies StepExchange::Reduce(const std::string& peer, int replica, int replicas,
                             const Message& request) {
  const std::string op = request.body.at("op");
  reduce_parts_[replica] = {peer, request.body.at("values").get<std::vector<double>>()};
  if (static_cast<int>(reduce_parts_.size()) < replicas) return {};
  std::vector<double> sum, all;
  for (const auto& [index, part] : reduce_parts_) {
    const auto& values = part.second;
    if (sum.size() < values.size()) sum.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) sum[i] += values[i];
    all.insert(all.end(), values.begin(), values.end());
  }
  Replies out;
  for (const auto& [index, part] : std::exchange(reduce_parts_, {})) {
    Message reply;
    reply.type = MessageType::kReduce;
    reply.body["values"] = op == "sum" ? sum : index == 0 ? all : std::vector<double>{};
    out.push_back({part.first, reply});
  }
  return out;
}

std::vector<std::string> StepExchange::Drop() {
  std::vector<std::string> waiting;
  for (const auto& [p, r] : waiting_) waiting.push_back(p);
  if (ps_) ps_->Discard();
  scale_pending_ = false;
  shards_.Reset();
  waiting_.clear();
  clock_.clear();
  reduce_parts_.clear();
  return waiting;
}

}  // namespace getps
