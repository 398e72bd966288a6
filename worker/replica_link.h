// ReplicaLink: the DataParallel (data_parallel.h) of one replica of a run
// whose rank 0 is the coordinator.
// - --sync mpi (ranks 1..N of mpirun): MPI, on a communicator of the
//   replicas only, broadcasts the starting weights, allreduces gradients,
//   reduces scalars and gathers test predictions; the coordinator gets
//   records and checkpoints over the control channel.
// - --sync ps: everything goes through the coordinator (push gradients and
//   pull weights from its parameter server; sums, gathers and the
//   checkpoint barrier are coordinator round trips), so a replica needs no
//   MPI and can join from outside mpirun (`getps worker`). The coordinator
//   assigns the replica index in its welcome. With --servers K the pushes
//   go to the K parameter server shards instead (parameter_shard_link.h).
// - Work (synchronous ps and mpi): the coordinator hands out every step's
//   shards (NextShard is a round trip to it; data_parallel.h).
//
// - --sync ps runs are elastic: the coordinator answers a call of an ended
//   generation with kStale, and the call throws GenerationChanged
//   (data_parallel.h); Join then waits for the next generation.
//
// Error contract: every control-channel call is bounded by
// options.control.timeout (Join: plus the coordinator's rendezvous timeout)
// and throws Error(kTimeout) naming the coordinator; a reply of the wrong
// type throws Error(kInternal); a coordinator refusing this replica (the run
// is over, or its host is cooling down) throws Error(kRefused).
#pragma once

#include <mpi.h>

#include <chrono>
#include <string>

#include "protocol/control_channel.h"
#include "worker/data_parallel.h"
#include "worker/parameter_shard_link.h"

namespace getps {

enum class SyncMode { kMpi, kParameterServer };

// "mpi" or "ps"; throws Error(kInvalidArgument) on anything else.
SyncMode SyncModeNamed(const std::string& name);

struct ReplicaLinkOptions {
  SyncMode sync = SyncMode::kMpi;
  MPI_Comm replicas = MPI_COMM_NULL;  // mpi: the replicas' communicator (not owned)
  int mpi_rank = -1;                  // rank in MPI_COMM_WORLD; -1 outside mpirun (ps only)
  bool bf16_wire = false;             // ps: push gradients as bfloat16 (half the bytes)
  ControlClientOptions control;
};

class ReplicaLink : public DataParallel {
 public:
  explicit ReplicaLink(const ReplicaLinkOptions& options);

  int replica() const override { return rank_; }
  int replicas() const override { return size_; }
  Membership Join(torch::nn::Module& module) override;
  bool hands_out_shards() const override { return welcome_.value("shards", false); }
  int step_replicas() const override {
    return hands_out_shards() ? welcome_.value("step_replicas", size_) : size_;
  }
  StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard) override;
  bool SynchroniseGradients(torch::nn::Module& module, std::int64_t step, double lr,
                            double clip) override;
  std::vector<double> Sum(std::vector<double> values) override;
  std::vector<double> GatherToFirst(const std::vector<double>& values) override;
  std::optional<std::string> LoadBest(torch::nn::Module& module) override;
  std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module& module,
                                               torch::optim::Optimizer& optimizer) override;
  void WriteRunFile(const std::string& name, const std::string& text) override;
  void Record(const nlohmann::json& record) override;
  bool Checkpoint(std::int64_t step, torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                  const nlohmann::json& meta, bool is_best) override;
  void Finish() override;

  // The coordinator's welcome: replica index, replicas, sync, and the run's
  // training options ("train", see train_options_json.h).
  const nlohmann::json& welcome() const { return welcome_; }

 private:
  std::vector<double> Reduce(const std::string& op, const std::vector<double>& values);
  // A pull-parameters round trip for `checkpoint` ("best", "state of
  // record"); nullopt when the coordinator has none.
  std::optional<Message> Pull(const std::string& checkpoint);
  void BroadcastParameters(torch::nn::Module& module);
  std::string BroadcastText(std::string text);
  // Sends `m` in this replica's generation.
  void Send(Message m);
  // Send, then wait for the `expected` reply (skipping stale notices that
  // are not news).
  Message Call(Message m, MessageType expected);
  Message Await(MessageType expected, std::chrono::milliseconds timeout);

  ReplicaLinkOptions options_;
  int rank_ = 0, size_ = 1;
  std::uint32_t generation_ = 0;  // ps: of the last Join
  // Windows of step shard_step_ this replica was handed (sent with the push,
  // for the coordinator's completion check).
  std::int64_t shard_step_ = -1;
  std::size_t shard_windows_ = 0;
  ControlClient client_;
  nlohmann::json welcome_;
  std::unique_ptr<ParameterShardLink> shards_;  // --servers K
};

}  // namespace getps
