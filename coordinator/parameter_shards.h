// ParameterShards: the coordinator's side of --servers K, its clients to
// the K parameter server shards (parameter_shard_server.h). It spreads the
// model's trainable parameters over the shards (parameter_slices.h) and
// moves the state of record between them and the coordinator's model and
// optimizer: to the shards when a generation starts (Start), back at every
// commit point (Collect), so checkpoints and roll-backs stay the
// coordinator's as with one shard.
//
// Ownership: `module` is the coordinator's model; it outlives this.
// Error contract: every call is bounded by the clients' timeout and throws
// Error(kTimeout) naming the shard that did not answer (a lost server
// shard ends the job; `getps launch` restarts it from the last commit),
// Error(kInternal) on an answer of the wrong kind.
#pragma once

#include <torch/torch.h>
#include <cstdint>

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "worker/model/optimizer.h"

namespace getps {

class ParameterShards {
 public:
  // `servers`: one client per shard (its endpoint, its public key and the
  // run's client keys); connects to each.
  ParameterShards(const std::vector<ControlClientOptions>& servers, torch::nn::Module& module);

  // For the replicas (the coordinator's welcome): per shard its endpoint,
  // public key and parameter names.
  std::vector<ShardAddress> Addresses() const;

  // A generation starts from the state in the module and `optimizer`;
  // returns once every shard has installed it.
  void Start(std::uint32_t generation, int replicas, int staleness, double weight_decay,
             torch::optim::Optimizer& optimizer);
  // The running generation ended; `next` is the generation now (replicas
  // waiting on a shard are told so).
  void End(std::uint32_t next);
  // Fetches every shard's weights and AdamW state into the module and
  // `optimizer`.
  void Collect(torch::optim::Optimizer& optimizer);
  // The run is over: the shards return.
  void Shutdown();

  // Throws Error(kTimeout) naming a shard not heard from (it sends
  // heartbeats, parameter_shard_server.h) for `silence`: its process ended
  // or hangs, and the run cannot go on without its slice.
  void Probe(std::chrono::milliseconds silence);

 private:
  struct Shard {
    ControlClientOptions options;
    NamedTensors parameters;  // the coordinator's own tensors of the slice
    std::unique_ptr<ControlClient> client;
  };
  // The shard's next answer, which must be a T.
  template <typename T>
  T Await(Shard& shard);

  std::vector<Shard> shards_;
};

}  // namespace getps
