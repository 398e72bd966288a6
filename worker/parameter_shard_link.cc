#include "worker/parameter_shard_link.h"

#include <cstdint>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/optimizer.h"
#include "worker/model/tensor_frames.h"
#include "worker/transport.h"

namespace getps {

ParameterShardLink::ParameterShardLink(const std::vector<ShardAddress>& servers,
                                       const ControlClientOptions& control)
    : timeout_(control.timeout) {
  for (const auto& address : servers) {
    Shard shard;
    shard.endpoint = address.endpoint;
    shard.parameters = address.parameters;
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
    if (m.generation < generation) continue;  // of an exchange a generation change cut short
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
  for (auto& shard : shards_) {
    ShardPush push{x.replica, x.lr, x.clip, std::nullopt, {}};
    if (own_norm) push.sq_norm = own_squared_norm;
    for (const auto& name : shard.parameters) {  // unused ones stay without gradient
      const auto* p = named.find(name);
      if (p == nullptr)
        throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint + " owns " +
                                              name + ", which this model lacks");
      if (p->grad().defined())
        push.tensors.push_back(FrameOf(name, x.bf16 ? p->grad().to(torch::kBFloat16) : p->grad()));
    }
    shard.client->Send(Encode(std::move(push), envelope));
  }
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
  for (auto& shard : shards_)
    CopyIntoParameters(module, Await<Parameters>(shard, x.generation).tensors,
                       "parameter server shard on " + shard.endpoint);
}

}  // namespace getps
