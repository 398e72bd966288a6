// ParameterShardLink: a replica's clients to the parameter server shards of
// a --sync ps --servers K run (coordinator/parameter_shard_server.h), as
// the coordinator's welcome names them (ShardAddress: endpoint, public key
// and parameter names). Exchange pushes each shard the gradients of its
// slice, all at once, and copies the slices' new weights into the module as
// they come back. With the MPI data plane (`plane` open, and the shard a
// rank of the job: ShardAddress::mpi_rank) the gradients go to the shard
// and its weights come back over MPI (protocol/mpi_data_plane.h), straight
// into the parameters' memory where it is the CPU's, beside the control
// messages.
//
// Clipping (clip > 0) is over the whole gradient, which no shard holds: in
// a synchronous step each shard answers with its part of the squared norm,
// the replica adds them up and sends every shard the scale factor
// (ClipFactor, model/optimizer.h; every replica computes the same one); an
// asynchronous push carries the replica's own squared norm.
//
// Error contract: every wait is bounded by the control timeout and throws
// Error(kTimeout) naming the shard; a shard saying the generation is over
// throws GenerationChanged (transport.h); answers of an older generation
// (left over from an interrupted exchange) are skipped (their MPI bytes
// received and dropped), and so are malformed ones (logged). MPI transfers
// are bounded by the control timeout too (Error(kTimeout)); an MPI failure
// throws Error(kIOError).
#pragma once

#include <torch/torch.h>
#include <cstdint>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "protocol/mpi_data_plane.h"

namespace getps {

struct ShardExchange {
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
  ParameterShardLink(const std::vector<ShardAddress>& servers, const ControlClientOptions& control,
                     MpiDataPlane plane = {});

  void Exchange(torch::nn::Module& module, const ShardExchange& exchange);

 private:
  struct Shard {
    std::string endpoint;
    std::vector<std::string> parameters;
    std::unique_ptr<ControlClient> client;
    std::optional<int> mpi_rank;  // its bytes go over MPI
  };
  // The next well-formed answer T of `shard` in `generation`.
  template <typename T>
  T Await(Shard& shard, std::uint32_t generation);
  // Sends `push` with `gradients`, as frames or over MPI (then `sends`
  // holds the transfers).
  void Push(Shard& shard, ShardPush push, std::vector<TensorFrame> gradients,
            const Envelope& envelope, MpiTransfers* sends);
  // The shard's new weights into `module`.
  void Pull(Shard& shard, torch::nn::Module& module, std::uint32_t generation);
  // The weights an MPI answer names, into the module's parameters.
  void ReceiveWeights(const Shard& shard, torch::nn::Module& module, const MpiData& data);

  std::vector<Shard> shards_;
  MpiDataPlane plane_;
  std::chrono::milliseconds timeout_;
};

}  // namespace getps
