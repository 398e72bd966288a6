#include "worker/ps_transport.h"

#include <torch/torch.h>
#include <unistd.h>
#include <cstdint>

#include "common/error.h"
#include "common/host_name.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

Hello PsHello(int mpi_rank) {
  Hello hello;
  hello.host = HostName();
  if (mpi_rank >= 0) hello.mpi_rank = mpi_rank;
  return hello;
}

}  // namespace

PsTransport::PsTransport(const PsTransportOptions& options)
    : CoordinatedTransport(options.control, PsHello(options.mpi_rank)) {
  if (link_.welcome().servers)
    shards_ = std::make_unique<ParameterShardLink>(*link_.welcome().servers, options.control,
                                                   options.data_plane);
}

Membership PsTransport::Join(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  link_.Send(Encode(Rendezvous{}));
  // The coordinator may wait for replicas to join (--min-workers).
  const auto wait = link_.control().timeout + std::chrono::milliseconds(static_cast<std::int64_t>(
                                                  1000 * link_.welcome().rendezvous_timeout_s));
  const Message m = link_.Await(MessageType::kGeneration, wait);
  const auto start = Decode<GenerationStart>(m);
  link_.set_generation(m.generation);
  shard_step_ = -1;  // a rolled-back generation may take the same step again
  shard_windows_ = 0;
  rank_ = start.replica;
  size_ = start.replicas;
  CopyIntoParameters(module, start.tensors, "the parameter server");
  Membership membership;
  membership.generation = static_cast<int>(m.generation);
  membership.replica = rank_;
  membership.replicas = size_;
  membership.carries_state = true;
  membership.commit = start.commit.value_or(nlohmann::json());
  return membership;
}

StepShard PsTransport::NextShard(std::int64_t step, std::size_t windows, std::size_t shard) {
  const StepShard out = link_.NextShard(step, windows, shard);
  if (step != shard_step_) shard_windows_ = 0;
  shard_step_ = step;
  shard_windows_ += out.count;
  return out;
}

bool PsTransport::SynchroniseGradients(torch::nn::Module& module,
                                       const GradientSyncOptions& options) {
  torch::NoGradGuard no_grad;
  const bool bf16 = link_.welcome().wire == WireDtype::kBf16;
  if (shards_) {
    shards_->Exchange(module, {options.step, link_.generation(), rank_, options.lr, options.clip,
                               !hands_out_shards(), bf16});
    return true;
  }
  PushGradients push{options.lr, options.clip, std::nullopt, {}};
  if (hands_out_shards()) push.windows = options.step == shard_step_ ? shard_windows_ : 0;
  for (const auto& p : module.named_parameters()) {  // unused ones stay without gradient
    if (p.value().requires_grad() && p.value().grad().defined())
      push.tensors.push_back(
          FrameOf(p.key(), bf16 ? p.value().grad().to(torch::kBFloat16) : p.value().grad()));
  }
  const auto weights = link_.Call<Parameters>(
      Encode(std::move(push), {0, static_cast<std::uint64_t>(options.step)}));
  CopyIntoParameters(module, weights.tensors, "the parameter server");
  return true;
}

// Every replica's message is the barrier; the coordinator holds the
// weights and answers all once the last has arrived.
bool PsTransport::Checkpoint(const CommitOptions& commit, torch::nn::Module&,
                             torch::optim::Optimizer&) {
  return link_.Commit(commit.step, {commit.meta, commit.is_best, {}});
}

}  // namespace getps
