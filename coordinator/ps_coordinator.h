// PsCoordinator: the coordinator (coordinator_core.h) of a --sync ps run.
// The parameters and their AdamW state live here (parameter_server.h), or
// on K server shards while a generation runs (parameter_shards.h), and the
// coordinator keeps the state of record (state_of_record.h) either way.
//
// Elastic: replicas take part in generations (generations.h). A lost
// replica ends the generation: the parameter server rolls back to the last
// commit (the lost replica's in-flight push is dropped with the rest of the
// uncommitted work), the survivors are told (kStale) and rejoin, and the
// next generation starts from that commit with the replicas there are.
// Replicas that ask to join a running generation (`getps worker`, or a
// stale replica back from a hang) are admitted at the next commit point.
// A commit is a barrier of every replica; the checkpoint is written from
// the state here once the last has arrived.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/coordinator_core.h"
#include "coordinator/parameter_server.h"
#include "coordinator/parameter_shards.h"
#include "coordinator/state_of_record.h"

namespace getps {

class PsCoordinator : public CoordinatorCore {
 public:
  PsCoordinator(const CoordinatorOptions& options, ControlServer& server, RunProgress* progress);

 private:
  std::optional<int> JoinOrder(const Hello& hello, std::string* why) override;
  void Joined(const std::string&) override {}
  bool HandsOutShards() const override { return o_.staleness < 0; }
  int PlannedReplicas() const override { return o_.mpi_replicas + o_.external; }
  getps::Welcome MakeWelcome() const override;
  void Rendezvous(const std::string& peer) override;
  void Lose(const std::string& peer) override;
  bool InGeneration(const Message& m) const override {
    return m.generation == generations_->generation();
  }
  void StartGeneration(const std::vector<std::string>& members) override;
  void ShardRequested(std::uint64_t step) override;
  void Push(const std::string& peer, int replica, const Message& m) override;
  void Checkpoint(const std::string& peer, int replica, const Message& m) override;
  // Asynchronous replicas with --servers talk to the shards between
  // epochs; their liveness is what the probes check.
  bool SilentByDesign() const override { return servers_ && o_.staleness >= 0; }
  // A server shard silent for the heartbeat timeout ends the job.
  void ProbeServers() override;
  void Finish() override;

  // Every member is told; pending requests are dropped with the gradients
  // gathered for the step; the next generation starts from the commit.
  void EndGeneration(const std::string& why);
  void DropPending();

  std::unique_ptr<ParameterServer> ps_;       // without --servers: the one shard
  std::unique_ptr<ParameterShards> servers_;  // --servers K
  StateOfRecord record_;                      // the last commit, to roll back to
  int next_external_ = 0;
  std::vector<std::string> checkpoint_waiting_;  // the commit barrier so far
  CheckpointRequest checkpoint_request_;         // replica 0's, of the barrier
  std::uint64_t checkpoint_step_ = 0;            // its step
};

}  // namespace getps
