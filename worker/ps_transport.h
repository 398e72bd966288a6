// PsTransport: the Transport (transport.h) of a --sync ps replica, an
// mpirun rank or a `getps worker` joining from outside mpirun. Everything
// goes through the coordinator (coordinator_link.h): gradients are pushed
// to its parameter server and the new weights pulled back, sums, gathers
// and the checkpoint barrier are round trips to it, so a replica needs no
// MPI. With --servers K the pushes go to the K parameter server shards
// instead (parameter_shard_link.h), which the welcome names, their bytes
// over MPI where `data_plane` is open and the shards are ranks of the job
// (protocol/mpi_data_plane.h). Synchronous
// runs get every step's shards from the coordinator; asynchronous ones
// (--staleness) train static slices.
//
// Elastic: the coordinator runs replicas in generations; Join waits for
// the next one and takes its index, member count, state of record and
// commit; a call of an ended generation throws GenerationChanged.
//
// Error contract: CoordinatorLink's and ParameterShardLink's; Join's wait
// is bounded by the control timeout plus the coordinator's rendezvous
// timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "worker/coordinator_link.h"
#include "worker/parameter_shard_link.h"

namespace getps {

struct PsTransportOptions {
  int mpi_rank = -1;  // rank in MPI_COMM_WORLD; -1 outside mpirun
  ControlClientOptions control;
  MpiDataPlane data_plane;  // --data-plane mpi: pushes to server shards over MPI
};

class PsTransport : public CoordinatedTransport {
 public:
  explicit PsTransport(const PsTransportOptions& options);

  Membership Join(torch::nn::Module& module) override;
  StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard) override;
  bool SynchroniseGradients(torch::nn::Module& module, const GradientSyncOptions& options) override;
  std::vector<double> Sum(std::vector<double> values) override {
    return link_.Reduce(ReduceOp::kSum, values);
  }
  std::vector<double> GatherToFirst(const std::vector<double>& values) override {
    return link_.Reduce(ReduceOp::kGather, values);
  }
  // Join brings the state of record; nothing is left to load.
  std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module&,
                                               torch::optim::Optimizer&) override {
    return std::nullopt;
  }
  bool Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                  torch::optim::Optimizer& optimizer) override;

 private:
  // Windows of step shard_step_ this replica was handed (sent with the push,
  // for the coordinator's completion check).
  std::int64_t shard_step_ = -1;
  std::size_t shard_windows_ = 0;
  std::unique_ptr<ParameterShardLink> shards_;  // --servers K
};

}  // namespace getps
