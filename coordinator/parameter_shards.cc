#include "coordinator/parameter_shards.h"

#include <map>

#include "common/error.h"
#include "common/log.h"
#include "coordinator/parameter_slices.h"
#include "worker/tensor_frames.h"

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
    shard.client->Join({{"role", "coordinator"}});
    LogInfo("coordinator: parameter server shard " + std::to_string(i) + " on " +
            shard.options.coordinator + " owns " + std::to_string(slices[i].size()) + " tensors, " +
            std::to_string(elements) + " elements");
    shards_.push_back(std::move(shard));
  }
}

nlohmann::json ParameterShards::Describe() const {
  auto out = nlohmann::json::array();
  for (const auto& shard : shards_) {
    std::vector<std::string> names;
    for (const auto& [name, p] : shard.parameters) names.push_back(name);
    out.push_back({{"endpoint", shard.options.coordinator},
                   {"server_public", shard.options.keys.server_public},
                   {"parameters", names}});
  }
  return out;
}

Message ParameterShards::Await(Shard& shard, MessageType expected) {
  Message m;
  try {
    m = shard.client->Receive(shard.options.timeout);
  } catch (const Error& e) {
    throw Error(e.code(),
                "parameter server shard on " + shard.options.coordinator + ": " + e.what());
  }
  if (m.type != expected)
    throw Error(ErrorCode::kInternal, "parameter server shard on " + shard.options.coordinator +
                                          " answered " + MessageTypeName(m.type) + ", expected " +
                                          MessageTypeName(expected));
  return m;
}

void ParameterShards::Start(std::uint32_t generation, int replicas, int staleness,
                            double weight_decay, torch::optim::Optimizer& optimizer) {
  for (auto& shard : shards_) {
    Message m;
    m.type = MessageType::kGeneration;
    m.generation = generation;
    m.body = {{"replicas", replicas}, {"staleness", staleness}, {"weight_decay", weight_decay}};
    m.tensors = ParameterStateFrames(shard.parameters, optimizer);
    shard.client->Send(m);
  }
  for (auto& shard : shards_) Await(shard, MessageType::kGeneration);
}

void ParameterShards::End(std::uint32_t next) {
  Message m;
  m.type = MessageType::kStale;
  m.generation = next;
  for (auto& shard : shards_) shard.client->Send(m);
}

void ParameterShards::Collect(torch::optim::Optimizer& optimizer) {
  Message m;
  m.type = MessageType::kCheckpoint;
  for (auto& shard : shards_) shard.client->Send(m);
  for (auto& shard : shards_) {
    const Message state = Await(shard, MessageType::kCheckpointDone);
    LoadParameterState(shard.parameters, optimizer, state.tensors,
                       "parameter server shard on " + shard.options.coordinator);
  }
}

void ParameterShards::Shutdown() {
  Message m;
  m.type = MessageType::kShutdown;
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
