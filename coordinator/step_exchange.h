// StepExchange: the replicas' exchanges inside a generation, as the
// coordinator serves them: the shards of every global step (step_shards.h;
// synchronous runs), the gradient pushes of a --sync ps run (the parameter
// server's updates), and the sums and gathers of scalars. Each call takes
// one replica's message and returns the replies that are due: none while
// others have yet to send theirs, one per waiting replica once a step, sum
// or gather is complete. The coordinator sends them and decides what a
// replica that cannot be reached means.
//
// A server shard of --servers K (parameter_shard_server.h) serves pushes
// with one of these too (`split_norm`): its gradients are a part of the
// global gradient, so clipping needs the replicas to add up the shards'
// squared norms. A complete synchronous step then answers every replica
// with the shard's part (kReduce, values [sum of squares]) and applies once
// every replica has sent back the scale factor (kReduce op "scale"; see
// Scale); an asynchronous push carries its own "sq_norm".
//
// Bookkeeping and messages only (no LibTorch): the parameter server is a
// ParameterStore (parameter_store.h). Ownership: `ps` (may be null: --sync
// mpi, or --servers where the shards serve pushes) is owned by the caller
// and outlives this. Errors: Error(kInternal) for a message that breaks the
// run's protocol (a push without a parameter server, a shard request out of
// step, a step whose pushes do not add up to its windows);
// Error(kFormatMismatch) for a body that is not its type's (nothing is
// changed then); the parameter server's errors for a malformed push.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/parameter_store.h"
#include "coordinator/step_shards.h"
#include "protocol/message.h"
#include "protocol/messages.h"

namespace getps {

struct PeerMessage {
  std::string peer;
  Message message;
};
using Replies = std::vector<PeerMessage>;

class StepExchange {
 public:
  // `staleness`: -1 synchronous; else asynchronous ps, a replica at most
  // this many pushes ahead of the slowest.
  StepExchange(ParameterStore* ps, int staleness, bool split_norm = false)
      : ps_(ps), staleness_(staleness), split_norm_(split_norm) {}

  // Every exchange of a generation: `replica` is the sender's index among
  // `replicas` members.
  Replies Shard(const std::string& peer, int replica, const Message& request);
  Replies Push(const std::string& peer, int replica, int replicas, const Message& push);
  Replies Reduce(const std::string& peer, int replica, int replicas, const Message& request);
  // split_norm: a replica's scale factor for the step whose norm parts went
  // out (kReduce op "scale", values [factor]).
  Replies Scale(const std::string& peer, int replicas, const Message& request);

  // Windows of the current step each replica was handed (replica -> count).
  const StepShards& shards() const { return shards_; }

  // The generation ended: everything gathered is dropped, the parameter
  // server's gradients of the step with it. Returns the peers that were
  // waiting for an answer.
  std::vector<std::string> Drop();

 private:
  Replies PushAsync(const std::string& peer, int replica, int replicas, std::uint64_t step,
                    double lr, double clip, std::optional<double> sq_norm,
                    const std::vector<TensorFrame>& gradients);
  // A complete synchronous step: its update, or (split_norm, clipping) the
  // norm parts that go out first.
  Replies Complete(std::uint64_t step, double lr, double clip);
  // The new weights for every replica waiting on the step just applied.
  Replies Release(std::uint64_t next_step);

  ParameterStore* ps_;  // not owned; may be null
  int staleness_;
  bool split_norm_;
  // split_norm: a complete step waits for its scale factor.
  bool scale_pending_ = false;
  int scales_ = 0;
  double scale_ = 1, lr_ = 0;
  std::uint64_t step_ = 0;
  StepShards shards_;
  std::vector<std::pair<std::string, int>> waiting_;  // (peer, replica) awaiting weights
  std::vector<int> clock_;                            // async: pushes per replica
  std::map<int, std::pair<std::string, std::vector<double>>> reduce_parts_;  // by replica
  ReduceOp reduce_op_ = ReduceOp::kSum;
};

}  // namespace getps
