#include "worker/parameter_shard_link.h"

#include "common/error.h"
#include "worker/data_parallel.h"
#include "worker/optimizer.h"
#include "worker/tensor_frames.h"

namespace getps {

ParameterShardLink::ParameterShardLink(const nlohmann::json& servers,
                                       const ControlClientOptions& control)
    : timeout_(control.timeout) {
  for (const auto& s : servers) {
    Shard shard;
    shard.endpoint = s.at("endpoint").get<std::string>();
    shard.parameters = s.at("parameters").get<std::vector<std::string>>();
    ControlClientOptions options = control;
    options.coordinator = shard.endpoint;
    options.keys.server_public = s.at("server_public").get<std::string>();
    shard.client = std::make_unique<ControlClient>(options);
    shard.client->Join();
    shards_.push_back(std::move(shard));
  }
}

Message ParameterShardLink::Await(Shard& shard, std::uint32_t generation, MessageType expected) {
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
    if (m.type != expected)
      throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint +
                                            " answered " + MessageTypeName(m.type) + ", expected " +
                                            MessageTypeName(expected));
    return m;
  }
}

void ParameterShardLink::Exchange(torch::nn::Module& module, const ShardPush& push) {
  torch::NoGradGuard no_grad;
  auto named = module.named_parameters();
  const double own_squared_norm =  // frozen parameters have no gradient
      push.asynchronous && push.clip > 0 ? GradientSquaredNorm(NamedParameters(module)) : 0;
  for (auto& shard : shards_) {
    Message m;
    m.type = MessageType::kPushGradients;
    m.generation = push.generation;
    m.step = static_cast<std::uint64_t>(push.step);
    m.body = {{"replica", push.replica}, {"lr", push.lr}, {"clip", push.clip}};
    if (push.asynchronous && push.clip > 0) m.body["sq_norm"] = own_squared_norm;
    for (const auto& name : shard.parameters) {  // unused ones stay without gradient
      const auto* p = named.find(name);
      if (p == nullptr)
        throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.endpoint + " owns " +
                                              name + ", which this model lacks");
      if (p->grad().defined())
        m.tensors.push_back(FrameOf(name, push.bf16 ? p->grad().to(torch::kBFloat16) : p->grad()));
    }
    shard.client->Send(m);
  }
  if (!push.asynchronous && push.clip > 0) {
    double squared_norm = 0;
    for (auto& shard : shards_)
      squared_norm +=
          Await(shard, push.generation, MessageType::kReduce).body.at("values").at(0).get<double>();
    Message scale;
    scale.type = MessageType::kReduce;
    scale.generation = push.generation;
    scale.step = static_cast<std::uint64_t>(push.step);
    scale.body = {{"op", "scale"}, {"values", {ClipFactor(push.clip, squared_norm)}}};
    for (auto& shard : shards_) shard.client->Send(scale);
  }
  for (auto& shard : shards_)
    CopyIntoParameters(module, Await(shard, push.generation, MessageType::kParameters).tensors,
                       "parameter server shard on " + shard.endpoint);
}

}  // namespace getps
