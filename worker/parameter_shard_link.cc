#include "worker/parameter_shard_link.h"

#include <cstdint>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"
#include "worker/transport.h"

namespace getps {

ParameterShardLink::ParameterShardLink(const std::vector<ShardAddress>& servers,
                                       const ControlClientOptions& control, MpiDataPlane plane)
    : plane_(plane), timeout_(control.timeout) {
  for (const auto& address : servers) {
    Shard shard;
    shard.endpoint = address.endpoint;
    shard.parameters = address.parameters;
    if (plane_.open()) shard.mpi_rank = address.mpi_rank;
    ControlClientOptions options = control;
    options.coordinator = shard.endpoint;
    options.keys.server_public = address.server_public;
    shard.client = std::make_unique<ControlClient>(options);
    Decode<ShardWelcome>(shard.client->Join(Hello{}));
    shards_.push_back(std::move(shard));
  }
}

template <typename T>
T ParameterShardLink::Await(Shard& shard, std::uint32_t generation) {
  while (true) {
    Message m;
    try {
      m = shard.client->Receive(timeout_);
    } catch (const Error& e) {
      throw Error(e.code(), "parameter server shard on " + shard.endpoint + ": " + e.what());
    }
    if (m.type == MessageType::kStale) {
      if (m.generation > generation)
        throw GenerationChanged("generation " + std::to_string(generation) +
                                " is over (parameter server shard on " + shard.endpoint + ")");
      continue;
    }
    if (m.generation < generation) {  // of an exchange a generation change cut short
      if (m.type == MessageType::kParameters && m.body.contains("mpi")) {  // owed its receives
        auto drain = ReceiveMpiData(plane_.comm, *Decode<Parameters>(m).mpi);
        drain.transfers.Wait(timeout_,
                             "stale weights of parameter server shard on " + shard.endpoint);
      }
      continue;
    }
    if (m.type != T::kType)
      throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint +
                                            " answered " + MessageTypeName(m.type) + ", expected " +
                                            MessageTypeName(T::kType));
    try {
      return Decode<T>(m);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kFormatMismatch) throw;
      LogWarning("dropped a malformed answer of parameter server shard on " + shard.endpoint +
                 ": " + e.what());
    }
  }
}

void ParameterShardLink::Exchange(torch::nn::Module& module, const ShardExchange& x) {
  torch::NoGradGuard no_grad;
  auto named = module.named_parameters();
  const bool own_norm = x.asynchronous && x.clip > 0;
  const double own_squared_norm =  // frozen parameters have no gradient
      own_norm ? GradientSquaredNorm(NamedParameters(module)) : 0;
  const Envelope envelope{x.generation, static_cast<std::uint64_t>(x.step)};
  std::vector<MpiTransfers> sends;  // the gradients' bytes on the MPI data plane
  for (auto& shard : shards_) {
    ShardPush push{x.replica, x.lr, x.clip, std::nullopt, {}, std::nullopt};
    if (own_norm) push.sq_norm = own_squared_norm;
    std::vector<TensorFrame> gradients;
    for (const auto& name : shard.parameters) {  // unused ones stay without gradient
      const auto* p = named.find(name);
      if (p == nullptr)
        throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint + " owns " +
                                              name + ", which this model lacks");
      if (p->grad().defined())
        gradients.push_back(FrameOf(name, x.bf16 ? p->grad().to(torch::kBFloat16) : p->grad()));
    }
    sends.emplace_back(plane_.comm);
    Push(shard, std::move(push), std::move(gradients), envelope, &sends.back());
  }
  // MPI moves a message's bytes only while both ends call into it, so the
  // sends are seen through (each shard receives as soon as the control
  // message is in) before this rank blocks on the shards' answers.
  for (std::size_t i = 0; i < shards_.size(); ++i)
    sends[i].Wait(timeout_, "the gradients to parameter server shard on " + shards_[i].endpoint);
  if (!x.asynchronous && x.clip > 0) {
    double squared_norm = 0;
    for (auto& shard : shards_) {
      const auto part = Await<ReduceResult>(shard, x.generation);
      if (part.values.size() != 1)
        throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint + " sent " +
                                              std::to_string(part.values.size()) +
                                              " norm parts, expected 1");
      squared_norm += part.values[0];
    }
    const Message scale =
        Encode(Reduce{ReduceOp::kScale, {ClipFactor(x.clip, squared_norm)}}, envelope);
    for (auto& shard : shards_) shard.client->Send(scale);
  }
  for (auto& shard : shards_) Pull(shard, module, x.generation);
}

void ParameterShardLink::Push(Shard& shard, ShardPush push, std::vector<TensorFrame> gradients,
                              const Envelope& envelope, MpiTransfers* sends) {
  if (!shard.mpi_rank) {
    push.tensors = std::move(gradients);
    return shard.client->Send(Encode(std::move(push), envelope));
  }
  const int tag = MpiDataTag(envelope.generation, envelope.step);
  push.mpi = DescribeMpiData(plane_.rank, tag, gradients);
  shard.client->Send(Encode(std::move(push), envelope));
  sends->Send(*shard.mpi_rank, tag, gradients);
}

void ParameterShardLink::Pull(Shard& shard, torch::nn::Module& module, std::uint32_t generation) {
  const auto weights = Await<Parameters>(shard, generation);
  if (weights.mpi)
    ReceiveWeights(shard, module, *weights.mpi);
  else
    CopyIntoParameters(module, weights.tensors, "parameter server shard on " + shard.endpoint);
}

// Straight into a parameter's memory where it is a contiguous fp32 CPU
// tensor, else into a buffer copied in afterwards (a GPU replica).
void ParameterShardLink::ReceiveWeights(const Shard& shard, torch::nn::Module& module,
                                        const MpiData& data) {
  const std::string who = "parameter server shard on " + shard.endpoint;
  if (!shard.mpi_rank)
    throw Error(ErrorCode::kInternal, who +
                                          " sent its weights over MPI to a replica that pushed "
                                          "over ZeroMQ");
  auto named = module.named_parameters();
  auto targets = std::make_shared<std::vector<torch::Tensor>>();
  std::vector<std::pair<torch::Tensor, torch::Tensor>> staged;  // (parameter, its buffer)
  std::vector<MpiTransfers::Buffer> into;
  for (const auto& t : data.tensors) {
    const auto* p = named.find(t.name);
    if (p == nullptr)
      throw Error(ErrorCode::kInternal,
                  who + " sent weights of " + t.name + ", which this model lacks");
    if (t.dtype != WireDtype::kFp32 || t.elements != p->numel())
      throw Error(ErrorCode::kInvalidArgument, who + " sent " + std::to_string(t.elements) + " " +
                                                   WireName(t.dtype) + " weights of " + t.name +
                                                   ", expected " + std::to_string(p->numel()) +
                                                   " fp32");
    torch::Tensor target = *p;
    if (!p->is_cpu() || !p->is_contiguous() || p->scalar_type() != torch::kFloat) {
      target = torch::empty({p->numel()}, torch::kFloat);
      staged.emplace_back(*p, target);
    }
    targets->push_back(target);
    into.push_back({target.data_ptr(), MpiBytes(t)});
  }
  MpiTransfers receives(plane_.comm);
  receives.Receive(data.rank, data.tag, into, targets);
  receives.Wait(timeout_, "the weights of " + who);
  for (auto& [parameter, buffer] : staged) parameter.copy_(buffer.view_as(parameter));
}

}  // namespace getps
