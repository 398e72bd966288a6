#include "coordinator/mpi_coordinator.h"

#include "common/error.h"
#include "common/log.h"
#include "worker/model/tensor_frames.h"

namespace getps {
namespace {

// Every rank, always.
GenerationOptions FixedRanks(const CoordinatorOptions& o) {
  GenerationOptions g = o.elastic;
  g.initial = g.min_workers = o.mpi_replicas;
  return g;
}

}  // namespace

MpiCoordinator::MpiCoordinator(const CoordinatorOptions& options, ControlServer& server,
                               RunProgress* progress)
    : CoordinatorCore(options, server, progress, FixedRanks(options)) {}

std::optional<int> MpiCoordinator::JoinOrder(const Hello& hello, std::string* why) {
  if (!hello.mpi_rank) {
    *why = "a --sync mpi run takes no workers from outside mpirun";
    return std::nullopt;
  }
  return *hello.mpi_rank - 1 - static_cast<int>(o_.servers.size());
}

// The replicas are the ranks, all at once.
void MpiCoordinator::Joined(const std::string& peer) { generations_->Ready(peer); }

void MpiCoordinator::Rendezvous(const std::string&) {
  LogWarning("coordinator: rendezvous in a --sync mpi run ignored");
}

void MpiCoordinator::Lose(const std::string& peer) {
  const auto index = generations_->IndexOf(peer);
  throw Error(ErrorCode::kTimeout,
              "coordinator: replica " + std::to_string(index.value_or(-1)) +
                  " was lost (its process ended or it missed heartbeats); ending the job "
                  "so that it can be restarted from the last commit (getps launch)");
}

void MpiCoordinator::Push(const std::string&, int, const Message&) {
  throw Error(ErrorCode::kInternal, "gradients pushed to a --sync mpi coordinator");
}

// Replica 0 alone sends its state; it is answered when the checkpoint is
// written (the others learn from it over MPI).
void MpiCoordinator::Checkpoint(const std::string& peer, int, const Message& m) {
  const auto request = Decode<CheckpointRequest>(m);
  LoadTrainingState(model_->module(), *optimizer_, request.tensors, "replica 0's checkpoint");
  Reply(peer, Encode(WriteCheckpoint(m.step, request)));
}

}  // namespace getps
