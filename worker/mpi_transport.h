// MpiTransport: the Transport (transport.h) of a --sync mpi replica, ranks
// 1..N of `mpirun -np N+1 getps train`. MPI, on a communicator of the
// replicas only, broadcasts replica 0's starting weights, sums the
// gradients in buckets started during backward (GradientReducer over
// MpiBucketCollective; summed, so N replicas equal one process with N x
// the batch),
// reduces scalars and gathers test predictions; the coordinator hands out
// every step's shards and gets records, run files and checkpoints over the
// control channel (coordinator_link.h), replica 0 sending the state a
// checkpoint needs. Not elastic: a lost replica ends the job, for `getps
// launch` to restart it from the last commit.
//
// Ownership: the communicator is not owned and outlives this.
// Error contract: an MPI call that fails throws Error(kIOError) naming it;
// the control channel's errors are CoordinatorLink's.
#pragma once

#include <mpi.h>
#include <cstdint>

#include <memory>
#include <string>

#include "worker/coordinator_link.h"
#include "worker/gradient_reducer.h"
#include "worker/mpi_bucket_collective.h"

namespace getps {

struct MpiTransportOptions {
  MPI_Comm replicas = MPI_COMM_NULL;  // the replicas' communicator
  int mpi_rank = 0;                   // in MPI_COMM_WORLD (the coordinator orders by it)
  ControlClientOptions control;
  GradientReducerOptions buckets;  // bucket size (dtype, device and overlap: MakeCollective's)
  Overlap overlap = Overlap::kAuto;
};

class MpiTransport : public CoordinatedTransport {
 public:
  explicit MpiTransport(const MpiTransportOptions& options);

  Membership Join(torch::nn::Module& module) override;
  StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard) override {
    return link_.NextShard(step, windows, shard);
  }
  void BeforeFinalBackward() override;
  bool SynchroniseGradients(torch::nn::Module& module, const GradientSyncOptions& options) override;
  std::vector<double> Sum(std::vector<double> values) override;
  std::vector<double> GatherToFirst(const std::vector<double>& values) override;
  std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module& module,
                                               torch::optim::Optimizer& optimizer) override;
  bool Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                  torch::optim::Optimizer& optimizer) override;

 protected:
  // The collective that sums the reducer's buckets, setting their dtype,
  // device and overlap in `buckets`: here MPI on CPU float32 buffers; --sync nccl
  // (nccl_transport.h) puts them on the GPU. `module`'s parameters are
  // where training keeps them.
  virtual std::unique_ptr<BucketCollective> MakeCollective(torch::nn::Module& module,
                                                           GradientReducerOptions* buckets);
  // Replica 0's `text` on every replica.
  std::string BroadcastText(std::string text);

  MpiTransportOptions options_;

 private:
  void BroadcastParameters(torch::nn::Module& module);

  std::unique_ptr<BucketCollective> collective_;
  std::unique_ptr<GradientReducer> reducer_;  // from the first Join (the trainable parameters)
};

}  // namespace getps
