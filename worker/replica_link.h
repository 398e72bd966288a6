// ReplicaLink: the DataParallel (data_parallel.h) of a replica started by
// mpirun (ranks 1..N; rank 0 is the coordinator). MPI, on a communicator of
// the replicas only, reduces scalars, gathers test predictions and, with
// --sync mpi, allreduces gradients; the coordinator is reached over the
// control channel for records, checkpoints and, with --sync ps, its
// parameter server (push gradients, pull weights).
//
// Error contract: every control-channel call is bounded by
// options.control.timeout and throws Error(kTimeout) naming the
// coordinator; a reply of the wrong type throws Error(kInternal).
#pragma once

#include <mpi.h>

#include <string>

#include "protocol/control_channel.h"
#include "worker/data_parallel.h"

namespace getps {

enum class SyncMode { kMpi, kParameterServer };

// "mpi" or "ps"; throws Error(kInvalidArgument) on anything else.
SyncMode SyncModeNamed(const std::string& name);

struct ReplicaLinkOptions {
  SyncMode sync = SyncMode::kMpi;
  MPI_Comm replicas = MPI_COMM_NULL;  // the replicas' communicator (not owned)
  ControlClientOptions control;
};

class ReplicaLink : public DataParallel {
 public:
  explicit ReplicaLink(const ReplicaLinkOptions& options);

  int replica() const override { return rank_; }
  int replicas() const override { return size_; }
  void SynchroniseWeights(torch::nn::Module& module) override;
  bool SynchroniseGradients(torch::nn::Module& module, std::int64_t step, double lr,
                            double clip) override;
  std::vector<double> Sum(std::vector<double> values) override;
  std::vector<double> GatherToFirst(const std::vector<double>& values) override;
  void Record(const nlohmann::json& record) override;
  void Checkpoint(std::int64_t step, torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                  const nlohmann::json& meta, bool is_best) override;
  void Finish() override;

 private:
  void CopyParameters(const Message& parameters, torch::nn::Module& module);

  ReplicaLinkOptions options_;
  int rank_ = 0, size_ = 1;
  ControlClient client_;
};

}  // namespace getps
