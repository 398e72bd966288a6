#include "coordinator/step_exchange.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"

namespace getps {

Replies StepExchange::Shard(const std::string& peer, int replica, const Message& request) {
  const auto ask = Decode<ShardRequest>(request);
  const StepShard shard = shards_.Take(replica, request.step, ask.windows, ask.shard);
  return {{peer, Encode(ShardGrant{shard.first, shard.count, shard.left}, {0, request.step})}};
}

// Synchronous: the update applies once every replica pushed this step, and
// (where shards are handed out) once the pushes account for every window of
// the step exactly. A server shard's push (split_norm) names its replica
// and may carry the replica's own norm; one to the coordinator says how
// many windows it trained.
Replies StepExchange::Push(const std::string& peer, int replica, int replicas,
                           const Message& push) {
  if (!ps_) throw Error(ErrorCode::kInternal, "gradients pushed where no parameter server is");
  double lr = 0, clip = 0;
  std::optional<std::size_t> windows;
  std::optional<double> sq_norm;
  if (split_norm_) {
    const auto p = Decode<ShardPush>(push);
    lr = p.lr;
    clip = p.clip;
    sq_norm = p.sq_norm;
  } else {
    const auto p = Decode<PushGradients>(push);
    lr = p.lr;
    clip = p.clip;
    windows = p.windows;
  }
  if (staleness_ >= 0)
    return PushAsync(peer, replica, replicas, push.step, lr, clip, sq_norm, push.tensors);
  const std::size_t handed = shards_.HandedTo(replica, push.step);
  if (windows && *windows != handed)
    throw Error(ErrorCode::kInternal, "replica " + std::to_string(replica) + " pushed step " +
                                          std::to_string(push.step) + " for " +
                                          std::to_string(*windows) + " windows; it was handed " +
                                          std::to_string(handed));
  ps_->Accumulate(push.step, push.tensors);
  waiting_.emplace_back(peer, replica);
  if (ps_->pushes() < replicas) return {};
  if (windows) {  // each push accounted for what its replica was handed
    std::size_t pushed = 0;
    for (const auto& [p, r] : waiting_) pushed += shards_.HandedTo(r, push.step);
    if (pushed != shards_.windows() || shards_.handed() != shards_.windows())
      throw Error(ErrorCode::kInternal, "step " + std::to_string(push.step) + ": pushes for " +
                                            std::to_string(pushed) + " of its " +
                                            std::to_string(shards_.windows()) + " windows");
  }
  return Complete(push.step, lr, clip);
}

Replies StepExchange::Complete(std::uint64_t step, double lr, double clip) {
  lr_ = lr;
  step_ = step;
  if (split_norm_ && clip > 0) {  // the replicas add up every shard's part
    const Message part = Encode(ReduceResult{{ps_->GradientSquaredNorm()}}, {0, step});
    scale_pending_ = true;
    scales_ = 0;
    Replies out;
    for (const auto& [p, r] : waiting_) out.push_back({p, part});
    return out;
  }
  ps_->Apply(lr_, clip);
  return Release(step + 1);
}

Replies StepExchange::Scale(const std::string& peer, int replicas, const Message& request) {
  const auto factor = Decode<getps::Reduce>(request);
  if (!scale_pending_ || request.step != step_ || factor.op != ReduceOp::kScale ||
      factor.values.size() != 1)
    throw Error(ErrorCode::kInternal,
                "a scale factor for step " + std::to_string(request.step) + " that is not awaited");
  const double value = factor.values[0];
  if (scales_ == 0) scale_ = value;
  if (value != scale_)
    throw Error(ErrorCode::kInternal, "replicas disagree on the gradient scale of step " +
                                          std::to_string(step_) + " (peer " + peer + ")");
  if (++scales_ < replicas) return {};
  scale_pending_ = false;
  ps_->ScaleGradients(scale_);
  ps_->Apply(lr_, 0);
  return Release(step_ + 1);
}

Replies StepExchange::Release(std::uint64_t next_step) {
  const Message weights =
      Encode(Parameters{std::nullopt, std::nullopt, ps_->Snapshot(), std::nullopt}, {0, next_step});
  Replies out;
  for (const auto& [p, r] : std::exchange(waiting_, {})) out.push_back({p, weights});
  return out;
}

// Asynchronous with a staleness bound (stale synchronous parallel): each
// push is applied at once; the pusher gets the newest weights as soon as it
// is at most `staleness` pushes ahead of the slowest replica.
Replies StepExchange::PushAsync(const std::string& peer, int replica, int replicas,
                                std::uint64_t step, double lr, double clip,
                                std::optional<double> sq_norm,
                                const std::vector<TensorFrame>& gradients) {
  if (split_norm_ && clip > 0 && !sq_norm)
    throw Error(ErrorCode::kFormatMismatch,
                "malformed push-gradients message: field 'sq_norm' is missing");
  if (clock_.empty()) clock_.assign(static_cast<std::size_t>(replicas), 0);
  ps_->Accumulate(step, gradients);
  if (split_norm_ && clip > 0)  // the pusher's own norm: its push applies alone
    ps_->ApplyClipped(lr, clip, *sq_norm);
  else
    ps_->Apply(lr, clip);
  ++clock_.at(static_cast<std::size_t>(replica));
  waiting_.emplace_back(peer, replica);
  const int slowest = *std::min_element(clock_.begin(), clock_.end());
  Replies out;
  std::vector<std::pair<std::string, int>> still;
  std::optional<Message> weights;
  for (const auto& [p, r] : waiting_) {
    if (clock_[static_cast<std::size_t>(r)] - slowest > staleness_) {
      still.emplace_back(p, r);
      continue;
    }
    if (!weights)
      weights = Encode(Parameters{std::nullopt, std::nullopt, ps_->Snapshot(), std::nullopt});
    out.push_back({p, *weights});
  }
  waiting_ = std::move(still);
  return out;
}

// Sums and gathers: answered once every replica has sent its part; a
// gather goes to replica 0, the others get an empty list.
Replies StepExchange::Reduce(const std::string& peer, int replica, int replicas,
                             const Message& request) {
  const auto part = Decode<getps::Reduce>(request);
  if (part.op == ReduceOp::kScale)
    throw Error(ErrorCode::kInternal, "a scale factor sent to the coordinator");
  reduce_op_ = part.op;
  reduce_parts_[replica] = {peer, part.values};
  if (static_cast<int>(reduce_parts_.size()) < replicas) return {};
  std::vector<double> sum, all;
  for (const auto& [index, from] : reduce_parts_) {
    const auto& values = from.second;
    if (sum.size() < values.size()) sum.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) sum[i] += values[i];
    all.insert(all.end(), values.begin(), values.end());
  }
  Replies out;
  for (const auto& [index, from] : std::exchange(reduce_parts_, {})) {
    std::vector<double> values = reduce_op_ == ReduceOp::kSum ? sum
                                 : index == 0                 ? all
                                                              : std::vector<double>{};
    out.push_back({from.first, Encode(ReduceResult{std::move(values)})});
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
