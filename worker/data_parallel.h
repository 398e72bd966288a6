// DataParallel: how one replica of a data-parallel run takes part in it.
// The trainer (trainer.h) stays the one training loop; given a
// DataParallel it trains only its slice of every global step, lets the
// implementation combine gradients (allreduce, or a parameter server that
// updates the weights itself), reduces its scalar sums, and hands records
// and checkpoints to the run's coordinator instead of writing them.
//
// Work: a global step of G = batch x accumulation x step_replicas windows
// is cut into shards of `batch` windows. Where the coordinator hands them out
// (hands_out_shards: synchronous ps and mpi), a replica asks for shard
// after shard until the step's are all taken, so a fast replica trains more
// of them than a slow one; otherwise (asynchronous ps) the step is cut into
// `replicas` consecutive slices, replica r taking the r-th. Every replica
// scales a shard's loss by (its windows / G) and gradients are SUMMED, so N
// replicas with batch b make the same update as one process with batch
// N x b (up to float rounding), including a short last step. Where shards
// are handed out, step_replicas is the run's planned replica count, not the
// generation's: a generation that lost or gained replicas trains the very
// same steps (same windows, learning rate and schedule), only at another
// speed, so an elastic run ends with the uninterrupted run's weights.
//
// Generations (elastic runs, --sync ps): the coordinator runs the replicas
// in generations. A generation ends when a replica is lost or when a new
// one is admitted at a commit point; every call of a replica of an ended
// generation throws GenerationChanged, and the replica calls Join again and
// continues from the commit it is given (what it did since is dropped).
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

namespace getps {

// A replica's place in the run, from Join.
struct Membership {
  int generation = 0;
  int replica = 0, replicas = 1;
  // true: `commit` is the run's state of record to continue from (the meta
  // of its commit; null when the run starts afresh), and the weights came
  // with it. false: the replica finds the state of record on disk itself.
  bool carries_state = false;
  nlohmann::json commit;
};

// A checkpoint a run resumes from: its folder and its meta.
struct ResumePoint {
  std::string dir;
  nlohmann::json meta;
};

// The run has moved on to a newer generation than this replica's.
class GenerationChanged : public std::runtime_error {
 public:
  explicit GenerationChanged(const std::string& why) : std::runtime_error(why) {}
};

class DataParallel {
 public:
  virtual ~DataParallel() = default;
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

  // After backward, before the optimiser. Returns true when the weights were
  // updated here (parameter server: push gradients, pull weights); false when
  // the gradients now hold the global sum and the caller steps its own
  // optimiser (allreduce). `clip` (0: off) is the max global gradient norm.
  virtual bool SynchroniseGradients(torch::nn::Module& module, std::int64_t step, double lr,
                                    double clip) = 0;

  // Element-wise sum over replicas, the same result on every replica.
  virtual std::vector<double> Sum(std::vector<double> values) = 0;

  // Concatenation of every replica's values in replica order, on replica 0
  // (others get an empty vector).
  virtual std::vector<double> GatherToFirst(const std::vector<double>& values) = 0;

  // The run's best checkpoint (its folder at the coordinator), with its
  // weights loaded into `module` from the coordinator, so that replicas
  // need not share the run directory; nullopt, weights untouched, when
  // there is none.
  virtual std::optional<std::string> LoadBest(torch::nn::Module& module) = 0;

  // A resumed run (--resume) whose state of record Join did not bring
  // (--sync mpi): the coordinator's, its newest valid checkpoint, with the
  // weights and optimizer state loaded into `module` and `optimizer` from
  // the coordinator, so that replicas need not share the run directory to
  // resume. Returns the checkpoint's folder at the coordinator and its
  // meta; nullopt, nothing touched, when there is none.
  virtual std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module& module,
                                                       torch::optim::Optimizer& optimizer) = 0;

  // Replica 0 hands a file of the run directory (test_predictions.tsv) to
  // the coordinator, which writes it into its run directory.
  virtual void WriteRunFile(const std::string& name, const std::string& text) = 0;

  // Replica 0 hands one metrics.jsonl record to the coordinator.
  virtual void Record(const nlohmann::json& record) = 0;

  // A commit, called by every replica at the same step: the coordinator
  // writes the checkpoint of record (replica 0 sends the state it needs).
  // Returns on every replica once the coordinator has answered: true when
  // the checkpoint is on disk, false (the same on every replica) when it
  // could not be written (the coordinator logged why; training goes on).
  virtual bool Checkpoint(std::int64_t step, torch::nn::Module& module,
                          torch::optim::Optimizer& optimizer, const nlohmann::json& meta,
                          bool is_best) = 0;

  // The replica has finished; the coordinator stops once all have.
  virtual void Finish() = 0;
};

}  // namespace getps
