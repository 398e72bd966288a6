#include "coordinator/parameter_shards.h"

#include <cstdint>
#include <map>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/parameter_slices.h"
#include "worker/model/tensor_frames.h"

namespace getps {

ParameterShards::ParameterShards(const std::vector<ControlClientOptions>& servers,
                                 torch::nn::Module& module) {
  std::vector<ParameterSize> sizes;
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& p : module.named_parameters()) {
    if (!p.value().requires_grad()) continue;  // frozen: the replicas never change it
    sizes.push_back({p.key(), p.value().numel()});
    by_name[p.key()] = p.value();
  }
  const auto slices = BalanceParameters(sizes, static_cast<int>(servers.size()));
  for (std::size_t i = 0; i < servers.size(); ++i) {
    // A slice's state travels as 4 frames per tensor (weights, 2 moments, step).
    if (4 * slices[i].size() > servers[i].limits.max_tensors)
      throw Error(ErrorCode::kInvalidArgument,
                  "parameter server shard " + std::to_string(i) + " would own " +
                      std::to_string(slices[i].size()) +
                      " tensors, more than one message carries; use more --servers");
    Shard shard;
    shard.options = servers[i];
    std::int64_t elements = 0;
    for (const auto& name : slices[i]) {
      shard.parameters.emplace_back(name, by_name.at(name));
      elements += by_name.at(name).numel();
    }
    shard.client = std::make_unique<ControlClient>(shard.options);
    Hello hello;
    hello.role = PeerRole::kCoordinator;
    Decode<ShardWelcome>(shard.client->Join(hello));
    LogInfo("coordinator: parameter server shard " + std::to_string(i) + " on " +
            shard.options.coordinator + " owns " + std::to_string(slices[i].size()) + " tensors, " +
            std::to_string(elements) + " elements");
    shards_.push_back(std::move(shard));
  }
}

std::vector<ShardAddress> ParameterShards::Addresses() const {
  std::vector<ShardAddress> out;
  for (const auto& shard : shards_) {
    ShardAddress address{
        shard.options.coordinator, shard.options.keys.server_public, {}, std::nullopt};
    for (const auto& [name, p] : shard.parameters) address.parameters.push_back(name);
    out.push_back(std::move(address));
  }
  return out;
}

template <typename T>
T ParameterShards::Await(Shard& shard) {
  const std::string who = "parameter server shard on " + shard.options.coordinator;
  Message m;
  try {
    m = shard.client->Receive(shard.options.timeout);
  } catch (const Error& e) {
    throw Error(e.code(), who + ": " + e.what());
  }
  if (m.type != T::kType)
    throw Error(ErrorCode::kInternal, who + " answered " + MessageTypeName(m.type) + ", expected " +
                                          MessageTypeName(T::kType));
  try {
    return Decode<T>(m);
  } catch (const Error& e) {  // the coordinator cannot go on without the shard's answer
    throw Error(ErrorCode::kInternal, who + ": " + e.what());
  }
}

void ParameterShards::Start(std::uint32_t generation, int replicas, int staleness,
                            double weight_decay, torch::optim::Optimizer& optimizer) {
  for (auto& shard : shards_) {
    ShardGeneration start{replicas, staleness, weight_decay,
                          ParameterStateFrames(shard.parameters, optimizer)};
    shard.client->Send(Encode(std::move(start), {generation, 0}));
  }
  for (auto& shard : shards_) Await<ShardReady>(shard);
}

void ParameterShards::End(std::uint32_t next) {
  const Message m = Encode(Stale{}, {next, 0});
  for (auto& shard : shards_) shard.client->Send(m);
}

void ParameterShards::Collect(torch::optim::Optimizer& optimizer) {
  const Message m = Encode(CollectState{});
  for (auto& shard : shards_) shard.client->Send(m);
  for (auto& shard : shards_) {
    const auto state = Await<ShardState>(shard);
    LoadParameterState(shard.parameters, optimizer, state.tensors,
                       "parameter server shard on " + shard.options.coordinator);
  }
}

void ParameterShards::Shutdown() {
  const Message m = Encode(getps::Shutdown{});
  for (auto& shard : shards_) shard.client->Send(m);
}

void ParameterShards::Probe(std::chrono::milliseconds silence) {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto& shard = shards_[i];
    try {
      while (true) {  // only heartbeats come between calls
        const Message m = shard.client->Receive(std::chrono::milliseconds(0));
        LogWarning("coordinator: unexpected " + std::string(MessageTypeName(m.type)) +
                   " from parameter server shard " + std::to_string(i) + " ignored");
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kTimeout) throw;
    }
    const auto quiet = std::chrono::steady_clock::now() - shard.client->last_heard();
    if (quiet > silence)
      throw Error(
          ErrorCode::kTimeout,
          "coordinator: parameter server shard " + std::to_string(i) + " on " +
              shard.options.coordinator + " was lost (silent for " +
              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(quiet).count()) +
              " ms); the run cannot go on without its parameters, so the job ends to be "
              "restarted from the last commit (getps launch)");
  }
}

}  // namespace getps
