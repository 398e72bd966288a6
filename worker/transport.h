// Transport: how one replica takes part in a training run, behind one
// interface with one class per way of combining gradients (the pattern of
// PyTorch c10d's Backend): LocalTransport (one process, no peers),
// MpiTransport (--sync mpi), PsTransport (--sync ps). The trainer
// (trainer.h) is the one training loop and holds no mode branches: it
// trains this replica's part of every global step, lets the transport
// combine gradients (an allreduce, or a parameter server that updates the
// weights itself), reduces its scalar sums, and hands records, run files
// and checkpoints to the transport, which writes them itself (local) or
// hands them to the run's coordinator.
//
// Work: a global step of G = batch x accumulation x step_replicas windows
// is cut into shards of `batch` windows. Where the coordinator hands them out
// (hands_out_shards: synchronous ps and mpi), a replica asks for shard
// after shard until the step's are all taken, so a fast replica trains more
// of them than a slow one; otherwise (one process, asynchronous ps) the step
// is cut into `replicas` consecutive slices, replica r taking the r-th.
// Every replica scales a shard's loss by (its windows / G) and gradients are
// SUMMED, so N replicas with batch b make the same update as one process
// with batch N x b (up to float rounding), including a short last step.
// Where shards are handed out, step_replicas is the run's planned replica
// count, not the generation's: a generation that lost or gained replicas
// trains the very same steps (same windows, learning rate and schedule),
// only at another speed, so an elastic run ends with the uninterrupted
// run's weights.
//
// Generations (elastic runs, --sync ps): the coordinator runs the replicas
// in generations. A generation ends when a replica is lost or when a new
// one is admitted at a commit point; every call of a replica of an ended
// generation throws GenerationChanged, and the replica calls Join again and
// continues from the commit it is given (what it did since is dropped).
//
// Thread safety: a transport is used by the training thread only.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/step_shard.h"
#include "worker/model/checkpoint.h"
#include "worker/model/region_model.h"

namespace getps {

// A replica's place in the run, from Join.
struct Membership {
  int generation = 0;
  int replica = 0, replicas = 1;
  // true: `commit` is the run's state of record to continue from (the meta
  // of its commit; null when the run starts afresh), and the weights came
  // with it. false: the run resumes, if asked to, from LoadStateOfRecord.
  bool carries_state = false;
  nlohmann::json commit;
};

// The run has moved on to a newer generation than this replica's.
class GenerationChanged : public std::runtime_error {
 public:
  explicit GenerationChanged(const std::string& why) : std::runtime_error(why) {}
};

// SynchroniseGradients: global step `step` at learning rate `lr`, gradients
// clipped to the global norm `clip` (0: off).
struct GradientSyncOptions {
  std::int64_t step = 0;
  double lr = 0;
  double clip = 0;
};

// Checkpoint: a commit at `step` with its checkpoint meta (checkpoint.h).
struct CommitOptions {
  std::int64_t step = 0;
  nlohmann::json meta;
  bool is_best = false;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int replica() const = 0;  // 0 .. replicas() - 1, of the current generation
  virtual int replicas() const = 0;

  // Waits until a generation this replica belongs to starts, and makes its
  // weights the generation's starting weights (replica 0's, or the
  // parameter server's state of record).
  virtual Membership Join(torch::nn::Module& module) = 0;

  // The replica count a global step is sized for (see "Work").
  virtual int step_replicas() const { return replicas(); }

  // Whether the coordinator hands out the windows of every step (NextShard).
  virtual bool hands_out_shards() const { return false; }

  // The next shard of global step `step` (of `windows` windows, in shards of
  // `shard`) for this replica to train; count 0 once the step's windows are
  // all handed out. Only where hands_out_shards().
  virtual StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard) = 0;

  // Before this replica's last backward pass of a step (its earlier ones
  // only accumulate): a transport that sums gradients in buckets during
  // backward (gradient_reducer.h) arms its hooks. Default: nothing.
  virtual void BeforeFinalBackward() {}

  // After backward, before the optimiser. Returns true when the weights were
  // updated here (parameter server: push gradients, pull weights); false when
  // the gradients now hold the global sum and the caller steps its own
  // optimiser (and clips them to options.clip).
  virtual bool SynchroniseGradients(torch::nn::Module& module,
                                    const GradientSyncOptions& options) = 0;

  // Element-wise sum over replicas, the same result on every replica.
  virtual std::vector<double> Sum(std::vector<double> values) = 0;

  // Concatenation of every replica's values in replica order, on replica 0
  // (others get an empty vector).
  virtual std::vector<double> GatherToFirst(const std::vector<double>& values) = 0;

  // The run's best checkpoint (its folder), with its weights loaded into
  // `module` (from the coordinator in a distributed run, so that replicas
  // need not share the run directory); nullopt, weights untouched, when
  // there is none.
  virtual std::optional<std::string> LoadBest(torch::nn::Module& module) = 0;

  // --resume whose state of record Join did not bring: the newest valid
  // checkpoint (on disk, or the coordinator's), with the weights and
  // optimizer state loaded into `module` and `optimizer`. nullopt, nothing
  // touched, when there is none. Throws the checkpoint checks' errors
  // (another store or model, initial_model.h).
  virtual std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module& module,
                                                       torch::optim::Optimizer& optimizer) = 0;
  // Where a resume looked, for "--resume: no checkpoint in WHERE yet".
  virtual std::string StateOfRecordPlace() const = 0;

  // Replica 0's file of the run directory (test_predictions.tsv).
  virtual void WriteRunFile(const std::string& name, const std::string& text) = 0;

  // Replica 0's metrics.jsonl record.
  virtual void Record(const nlohmann::json& record) = 0;

  // A commit, called by every replica at the same step: the checkpoint of
  // record is written (by the coordinator in a distributed run; replica 0
  // sends the state it needs). Returns on every replica once it is done:
  // true when the checkpoint is on disk, false (the same on every replica)
  // when it could not be written (logged; training goes on).
  virtual bool Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                          torch::optim::Optimizer& optimizer) = 0;

  // --lora, after training: the run's merged.pt from `model` with its
  // adapters folded in (one process; a distributed run's coordinator
  // writes its own from the best checkpoint, so replicas leave it).
  virtual void WriteMergedModel(RegionModel& model) = 0;

  // The replica has finished; the coordinator stops once all have.
  virtual void Finish() = 0;
};

}  // namespace getps
