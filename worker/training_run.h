// TrainingRun: one training run of `Train` (trainer.h), the engine's state
// between its steps: the store, model, optimizer, splits, counters and the
// data-parallel hook. Internal to worker/: trainer.cc holds the training
// loop and commits, training_run_eval.cc the held-out evaluation.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "protocol/run_progress.h"
#include "storage/batch_assembler.h"
#include "storage/store_reader.h"
#include "worker/autocast.h"
#include "worker/batch_loss.h"
#include "worker/batch_tensors.h"
#include "worker/checkpoint.h"
#include "worker/data_parallel.h"
#include "worker/data_splits.h"
#include "worker/get_model.h"
#include "worker/optimizer.h"
#include "worker/region_model.h"
#include "worker/trainer.h"
#include "worker/tss_predictions.h"

namespace getps {

class TrainingRun {
 public:
  using json = nlohmann::json;
  TrainingRun(const TrainOptions& o, DataParallel* dp, RunProgress* progress);
  // Trains and tests; in an elastic run, a generation change rejoins the
  // run at its last commit and carries on from there.
  TrainSummary Go();

 private:
  TrainSummary TrainAndTest();
  // The steps per epoch, learning rate and warm-up of the global step
  // (GlobalStep: constant where shards are handed out, else the
  // generation's replica count).
  void Schedule();
  // Where training starts: the membership's state of record (ps), a
  // checkpoint on disk (--resume), or afresh.
  void StartFrom();
  // Takes the counters, cursor and sums of a commit's meta (null: afresh)
  // and goes on as `generation`; `source` names the meta in errors.
  void ContinueFrom(const json& meta, int generation, const std::string& source);
  // "epoch E at window W, step S, generation G": where training goes on.
  std::string Position() const;
  // After GenerationChanged: joins the next generation, continues from its
  // commit and counts the windows to be trained again.
  void Rejoin();

  json Meta(double val) const;

  bool Lead() const { return !dp_ || dp_->replica() == 0; }

  void Show(const char* name, double value, const char* help) {
    if (progress_) progress_->Set(name, value, help);
  }

  int Replicas() const { return dp_ ? dp_->replicas() : 1; }

  int Replica() const { return dp_ ? dp_->replica() : 0; }

  // Windows of a global step: sized for the run's planned replicas where
  // shards are handed out (data_parallel.h), so every generation trains the
  // same steps.
  std::size_t GlobalStep() const {
    return static_cast<std::size_t>(o_.batch_size * o_.accumulation *
                                    (dp_ ? dp_->step_replicas() : 1));
  }

  void Record(json record);

  BatchTensors Assemble(std::span<const Window> windows);

  void TrainEpoch(int epoch);
  // The training windows of `epoch` in their seeded order.
  std::vector<Window> EpochOrder(int epoch) const;
  // Makes the state after `windows_done` windows of the epoch's order the
  // state of record; `loss_sum`/`seen` are the epoch's (global) sums so far.
  // Returns false when the checkpoint could not be written (logged; training
  // goes on, and the next commit that is written carries this one's line).
  bool Commit(int epoch, std::size_t windows_done, double loss_sum, double seen, double val,
              bool best);

  // Calls fn(first, n, tensors) for consecutive batches of `windows`;
  // batch_ holds the assembled batch during the call.
  template <typename Fn>
  // With `sliced`, a data-parallel replica takes batch k when k % replicas
  // is its own index.
  void ForEachBatch(const std::vector<Window>& windows, Fn&& fn, bool sliced = false) {
    const auto size = static_cast<std::size_t>(o_.batch_size);
    for (std::size_t b = 0; b < windows.size(); b += size) {
      if (sliced &&
          static_cast<int>((b / size) % static_cast<std::size_t>(Replicas())) != Replica())
        continue;
      const std::size_t n = std::min(windows.size(), b + size) - b;
      fn(b, n, Assemble({windows.data() + b, n}));
    }
  }

  // Mean loss over `windows` in eval mode, masks seeded per batch.
  double Loss(const std::vector<Window>& windows);

  void Test(TrainSummary* summary);

  // Every replica's share of `part`, merged on replica 0.
  template <typename Part>
  Part GatheredToFirst(const Part& part) {
    Part merged;
    merged.Merge(dp_->GatherToFirst(part.Flatten()));
    return merged;
  }

  // RUN/test_predictions.tsv: one line per held-out TSS entry.
  void WritePredictions(const TssPredictions& predictions, const std::vector<std::string>& names);

  // The trivial pretraining baseline: predict each feature's mean over the
  // training windows; its masked MSE on the test windows.
  double BaselineMse();

  TrainOptions o_;
  DataParallel* dp_;       // not owned; null in a single-process run
  RunProgress* progress_;  // not owned; may be null
  std::unique_ptr<StoreReader> store_;
  torch::Device device_;
  Precision precision_;
  LossOptions loss_;
  BatchAssembler assembler_;
  Batch batch_;
  CheckpointManager checkpoints_;
  GetModelConfig config_;
  std::unique_ptr<RegionModel> model_;
  Splits splits_;
  OptimizerOptions opt_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::ofstream metrics_;
  std::int64_t steps_per_epoch_ = 0, step_ = 0;
  int epochs_done_ = 0, bad_epochs_ = 0;
  double best_val_ = INFINITY, last_train_loss_ = 0;
  json throughput_;  // per replica, of the last epoch
  // Commits: the generation (resumes so far), the epoch's window order, the
  // first window not yet committed, and where a mid-epoch resume starts.
  int generation_ = 0;
  std::vector<Window> epoch_order_;
  std::size_t commit_from_ = 0, resume_window_ = 0;
  bool resumed_ = false;                // the next commit is this generation's first
  json pending_lines_ = json::array();  // lines of commits not written yet
  // The epoch's training-loss sums committed by an earlier generation.
  double carried_loss_sum_ = 0, carried_seen_ = 0;
  double last_val_ = INFINITY;
  // Elastic runs: this replica's place, where the generation's training has
  // got to (epoch, end of the last applied step), and the windows of the
  // ended generation that the next commit trains again.
  Membership membership_;
  std::int64_t trained_epoch_ = -1;
  std::size_t trained_to_ = 0, reissued_ = 0;
};

}  // namespace getps
