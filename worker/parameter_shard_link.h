// ParameterShardLink: a replica's clients to the parameter server shards of
// a --sync ps --servers K run (coordinator/parameter_shard_server.h), as
// the coordinator's welcome describes them ("servers": per shard its
// endpoint, public key and parameter names). Exchange pushes each shard
// the gradients of its slice, all at once, and copies the slices' new
// weights into the module as they come back.
//
// Clipping (clip > 0) is over the whole gradient, which no shard holds: in
// a synchronous step each shard answers with its part of the squared norm,
// the replica adds them up and sends every shard the scale factor
// (ClipFactor, optimizer.h; every replica computes the same one); an
// asynchronous push carries the replica's own squared norm.
//
// Error contract: every wait is bounded by the control timeout and throws
// Error(kTimeout) naming the shard; a shard saying the generation is over
// throws GenerationChanged (data_parallel.h); answers of an older
// generation (left over from an interrupted exchange) are skipped.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/control_channel.h"

namespace getps {

struct ShardPush {
  std::int64_t step = 0;
  std::uint32_t generation = 0;
  int replica = 0;
  double lr = 0, clip = 0;
  bool asynchronous = false;
  bool bf16 = false;  // gradients as bfloat16 on the wire
};

class ParameterShardLink {
 public:
  // `control`: the replica's options for the coordinator (keys, timeout,
  // heartbeats); each shard's endpoint and public key replace its own.
  ParameterShardLink(const nlohmann::json& servers, const ControlClientOptions& control);

  void Exchange(torch::nn::Module& module, const ShardPush& push);

 private:
  struct Shard {
    std::string endpoint;
    std::vector<std::string> parameters;
    std::unique_ptr<ControlClient> client;
  };
  // The next answer of `shard` in `generation`, of type `expected`.
  Message Await(Shard& shard, std::uint32_t generation, MessageType expected);

  std::vector<Shard> shards_;
  std::chrono::milliseconds timeout_;
};

}  // namespace getps
