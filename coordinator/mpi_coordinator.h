// MpiCoordinator: the coordinator (coordinator_core.h) of a --sync mpi run.
// Its replicas are the mpirun ranks, all of them, always: nobody joins from
// outside mpirun, the one generation starts once every rank said hello, and
// a lost replica ends the job (for `getps launch` to restart it from the
// last commit). The replicas combine gradients among themselves; at a
// commit replica 0 sends its weights and optimizer state, from which the
// checkpoint of record is written here.
#pragma once

#include "coordinator/coordinator_core.h"

namespace getps {

class MpiCoordinator : public CoordinatorCore {
 public:
  MpiCoordinator(const CoordinatorOptions& options, ControlServer& server, RunProgress* progress);

 private:
  std::optional<int> JoinOrder(const Hello& hello, std::string* why) override;
  void Joined(const std::string& peer) override;
  bool HandsOutShards() const override { return true; }
  int PlannedReplicas() const override { return o_.mpi_replicas; }
  void Rendezvous(const std::string& peer) override;
  void Lose(const std::string& peer) override;
  bool InGeneration(const Message&) const override { return true; }
  void StartGeneration(const std::vector<std::string>&) override {}
  void Push(const std::string& peer, int replica, const Message& m) override;
  void Checkpoint(const std::string& peer, int replica, const Message& m) override;
};

}  // namespace getps
