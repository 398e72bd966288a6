// TrainingRun: one training run of `Train` (trainer.h), the engine's state
// between its steps: the store, model, optimizer, splits, counters, the
// commit cursor and the transport. Internal to worker/: trainer.cc holds
// the training loop and commits, training_run_eval.cc the held-out
// evaluation.
#pragma once

#include <torch/torch.h>
#include <cstdint>

#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "protocol/run_progress.h"
#include "storage/batch_assembler.h"
#include "storage/genotype_store.h"
#include "storage/people_source.h"
#include "storage/store_reader.h"
#include "worker/batch_loss.h"
#include "worker/batch_tensors.h"
#include "worker/commit_cursor.h"
#include "worker/data_splits.h"
#include "worker/epoch_clock.h"
#include "worker/model/autocast.h"
#include "worker/model/get_model.h"
#include "worker/model/optimizer.h"
#include "worker/model/region_model.h"
#include "worker/people_splits.h"
#include "worker/region_predictions.h"
#include "worker/trainer.h"
#include "worker/transport.h"

namespace getps {

class StepBatches;

// The run's counters, as a commit's meta holds them.
struct TrainingCounters {
  std::int64_t step = 0;
  int epochs_done = 0, bad_epochs = 0;
  double best_val = INFINITY, last_val = INFINITY;
  // Null: afresh.
  static TrainingCounters FromMeta(const nlohmann::json& meta);
};

class TrainingRun {
 public:
  using json = nlohmann::json;
  // `transport` (not owned; null: a LocalTransport of the run's own) and
  // `progress` (may be null) outlive this.
  TrainingRun(const TrainOptions& o, Transport* transport, RunProgress* progress);
  // Trains and tests; in an elastic run, a generation change rejoins the
  // run at its last commit and carries on from there.
  TrainSummary Go();

 private:
  TrainSummary TrainAndTest();
  // The steps per epoch, learning rate and warm-up of the global step.
  void Schedule();
  // Where training starts: the membership's state of record (ps), a
  // resumed checkpoint (--resume), or afresh.
  void StartFrom();
  // Takes the counters and cursor of a commit's meta (null: afresh) and
  // goes on as `generation`; `source` names the meta in errors.
  void ContinueFrom(const json& meta, int generation, const std::string& source);
  // "epoch E at window W, step S, generation G": where training goes on.
  std::string Position() const;
  // After GenerationChanged: joins the next generation, continues from its
  // commit and counts the windows to be trained again.
  void Rejoin();

  json Meta(double val) const;
  bool Lead() const { return transport_->replica() == 0; }
  void Show(const char* name, double value, const char* help) {
    if (progress_) progress_->Set(name, value, help);
  }
  // Windows of a global step: sized for the run's planned replicas where
  // shards are handed out (transport.h), so every generation trains the
  // same steps.
  std::size_t GlobalStep() const {
    return static_cast<std::size_t>(o_.batch_size * o_.accumulation * transport_->step_replicas());
  }
  void Record(const json& record) {
    if (Lead()) transport_->Record(record);
  }

  BatchTensors Assemble(std::span<const Window> windows);
  // How batches are assembled: the store's windows, and people's through
  // people_ when training by people.
  BatchAssemblerOptions Assembly() const {
    return {kRegionsPerWindow, o_.InputAtac(), people_.get()};
  }

  void TrainEpoch(int epoch);
  // One global step, order[first, end): forward and backward of this
  // replica's batches, the gradient exchange, the optimiser; adds to the
  // epoch's loss sums and clock.
  void TrainStep(StepBatches& batches, std::size_t first, std::size_t end, double* loss_sum,
                 std::size_t* seen, EpochClock* clock);
  void ShowEpochProgress(int epoch, std::size_t first, std::size_t end, double loss_sum,
                         std::size_t seen, const EpochClock& clock);
  // The training windows of `epoch` in their seeded order.
  std::vector<Window> EpochOrder(int epoch) const;
  // Makes the state after `windows_done` windows of the epoch's order the
  // state of record; `loss_sum`/`seen` are the epoch's (global) sums so far.
  // Returns false when the checkpoint could not be written (logged; training
  // goes on, and the next commit that is written carries this one's line).
  bool Commit(int epoch, std::size_t windows_done, double loss_sum, double seen, double val,
              bool best);

  // Calls fn(first, n, tensors) for consecutive batches of `windows`:
  // runs of batch_size, or under Variformer's loss runs of at most that
  // many that hold one window's people (WindowRuns); batch_ holds the
  // assembled batch during the call. With `sliced`, a data-parallel replica
  // takes batch k when k % replicas is its own index.
  template <typename Fn>
  void ForEachBatch(const std::vector<Window>& windows, Fn&& fn, bool sliced = false) {
    const auto size = static_cast<std::size_t>(o_.batch_size);
    const auto replicas = static_cast<std::size_t>(transport_->replicas());
    const auto runs = o_.loss == ExpressionLoss::kVariformer ? WindowRuns(windows, size)
                                                             : FixedRuns(windows.size(), size);
    for (std::size_t k = 0; k < runs.size(); ++k) {
      if (sliced && static_cast<int>(k % replicas) != transport_->replica()) continue;
      const auto [b, n] = runs[k];
      fn(b, n, Assemble({windows.data() + b, n}));
    }
  }

  // Mean loss over `windows` in eval mode, masks seeded per batch.
  double Loss(const std::vector<Window>& windows);

  void Test(TrainSummary* summary);
  void TestPretraining(TrainSummary* summary, const std::vector<std::string>& names);
  void TestExpression(TrainSummary* summary, const std::vector<std::string>& names);
  void TestAccessibility(TrainSummary* summary, const std::vector<std::string>& names);
  void Report(TrainSummary* summary, const std::vector<std::string>& names,
              const RegionPredictions& predictions, const json& extra, const std::string& what);
  // The test record's strata: by cell-type specificity, and by distance to
  // the nearest TSS when the store has genes; `by(strata)` gives a list.
  template <typename By>
  void AddStrata(json& record, By by) const;

  // Every replica's share of `part`, merged on replica 0.
  template <typename Part>
  Part GatheredToFirst(const Part& part) {
    Part merged;
    merged.Merge(transport_->GatherToFirst(part.Flatten()));
    return merged;
  }

  // RUN/test_predictions.tsv: one line per held-out entry.
  void WritePredictions(const RegionPredictions& predictions,
                        const std::vector<std::string>& names);

  // The trivial pretraining baseline: predict each feature's mean over the
  // training windows; its masked MSE on the test windows.
  double BaselineMse();

  TrainOptions o_;
  RunProgress* progress_;  // not owned; may be null
  std::unique_ptr<StoreReader> store_;
  // Training by people: the cohort and its features and labels (else null).
  std::unique_ptr<GenotypeReader> genotypes_;
  std::unique_ptr<PeopleSource> people_;
  LossOptions loss_;
  BatchAssembler assembler_;
  Batch batch_;
  GetModelConfig config_;
  std::unique_ptr<RegionModel> model_;
  std::unique_ptr<Transport> own_transport_;  // single process
  Transport* transport_;                      // own_transport_, or the caller's
  Splits splits_;
  OptimizerOptions opt_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::int64_t steps_per_epoch_ = 0;
  TrainingCounters counters_;
  double last_train_loss_ = 0;
  json throughput_;                                   // per replica, of the last epoch
  std::chrono::steady_clock::time_point last_print_;  // of the last progress line
  CommitCursor cursor_;
  Membership membership_;  // this replica's place in the run
};

}  // namespace getps
