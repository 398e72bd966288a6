#include "worker/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include "common/error.h"
#include "common/json_number.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/random.h"
#include "common/wall_clock.h"
#include "worker/commit_audit.h"
#include "worker/initial_model.h"
#include "worker/state_dict.h"
#include "worker/step_batches.h"
#include "worker/training_run.h"

namespace getps {

using nlohmann::json;

TrainingRun::TrainingRun(const TrainOptions& o, DataParallel* dp, RunProgress* progress)
    : o_(o),
      dp_(dp),
      progress_(progress),
      store_(StoreReader::Open(o.store)),
      device_(o.device),
      precision_(PrecisionNamed(o.precision, device_.type())),
      loss_{o.mode == "pretrain", o.mask_ratio, o.atac_loss_weight},
      assembler_(*store_, {200, o.atac}),
      checkpoints_(o.run_dir, o.keep_last) {
  if (o_.mode != "pretrain" && o_.mode != "finetune") {
    throw Error(ErrorCode::kInvalidArgument,
                "--mode must be pretrain or finetune, not '" + o_.mode + "'");
  }
  if (device_.is_cuda() && !torch::cuda::is_available()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--device " + o.device + ": no CUDA in this build or no GPU");
  }
  std::filesystem::create_directories(o.run_dir);
  model_ = MakeInitialModel(o, *store_, &config_);
  if (o_.mode == "pretrain" && !model_->can_pretrain()) {
    throw Error(ErrorCode::kInvalidArgument, "the " + o.model + " model cannot be pretrained");
  }
  AdaptForTraining(*model_, o_, /*log=*/true);
  model_->module().to(device_);
  if (dp_) membership_ = dp_->Join(model_->module());
  splits_ =
      MakeSplits(*store_, {o_.leave_out_chromosomes, o_.leave_out_celltypes, o_.validation_fraction,
                           o_.train_fraction, o_.seed, o_.mode == "pretrain" ? 200u : 100u});
  opt_.min_lr = o.min_lr;
  opt_.weight_decay = o.weight_decay;
  opt_.fused = device_.is_cuda();  // the fused kernel pays off on the GPU
  Schedule();
  optimizer_ = MakeAdamW(model_->module(), opt_);
  if (!dp_) metrics_.open(std::filesystem::path(o.run_dir) / "metrics.jsonl", std::ios::app);
  if (Lead())
    LogInfo(o_.mode + ": " + std::to_string(splits_.train.size()) + " training, " +
            std::to_string(splits_.validation.size()) + " validation, " +
            std::to_string(splits_.test.size()) + " held-out windows; " + o.model + " model (" +
            o.model_size + "), lr " + std::to_string(opt_.lr));
}

void TrainingRun::Schedule() {
  const std::size_t global = GlobalStep();
  steps_per_epoch_ = static_cast<std::int64_t>((splits_.train.size() + global - 1) / global);
  opt_.lr = o_.base_lr * static_cast<double>(global) / 256.0;
  opt_.total_steps = steps_per_epoch_ * o_.epochs;
  opt_.warmup_steps = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(o_.warmup_fraction * static_cast<double>(opt_.total_steps)));
}

TrainSummary TrainingRun::Go() {
  StartFrom();
  while (true) {
    try {
      return TrainAndTest();
    } catch (const GenerationChanged& e) {
      LogWarning("replica " + std::to_string(Replica()) + ": " + e.what() +
                 "; rejoining at the last commit");
      Rejoin();
    }
  }
}

void TrainingRun::Rejoin() {
  membership_ = dp_->Join(model_->module());
  Schedule();
  const std::int64_t reached_epoch = trained_epoch_;
  const std::size_t reached = trained_to_;
  ContinueFrom(membership_.commit, membership_.generation, "the state of record");
  // What the ended generation trained past the commit is trained again.
  reissued_ =
      reached_epoch == epochs_done_ && reached > resume_window_ ? reached - resume_window_ : 0;
  LogInfo("replica " + std::to_string(Replica()) + " of " + std::to_string(Replicas()) + ": " +
          Position() + " (" + std::to_string(reissued_) + " windows to train again)");
}

TrainSummary TrainingRun::TrainAndTest() {
  TrainSummary summary;
  if (progress_) progress_->SetState("training");
  Show("total_steps", static_cast<double>(steps_per_epoch_ * o_.epochs),
       "Optimizer steps the run will take at most.");
  Show("epochs", o_.epochs, "Epochs the run will take at most.");
  Show("step", static_cast<double>(step_), "Optimizer steps done.");
  for (int epoch = epochs_done_; epoch < o_.epochs && bad_epochs_ < o_.patience; ++epoch) {
    TrainEpoch(epoch);
    const double val = splits_.validation.empty() ? last_train_loss_ : Loss(splits_.validation);
    const bool best = val < best_val_;
    if (best) {
      best_val_ = val;
      bad_epochs_ = 0;
    } else {
      ++bad_epochs_;
    }
    epochs_done_ = epoch + 1;
    Show("epochs_done", epochs_done_, "Epochs finished.");
    Show("validation_loss", val, "Validation loss after the last epoch.");
    Show("best_validation_loss", best_val_, "Best validation loss so far.");
    Record({{"kind", "validation"},
            {"epoch", epochs_done_},
            {"step", step_},
            {"train_loss", last_train_loss_},
            {"validation_loss", val},
            {"throughput", throughput_}});
    last_val_ = val;
    Commit(epoch, epoch_order_.size(), 0, 0, val, best);
  }
  summary.steps = step_;
  summary.epochs = epochs_done_;
  summary.best_validation_loss = best_val_;
  // The held-out test runs on the best checkpoint's weights (a replica
  // gets them from the coordinator).
  if (dp_) {
    summary.best_checkpoint = dp_->LoadBest(model_->module()).value_or("");
  } else if (auto best = checkpoints_.Best()) {
    summary.best_checkpoint = *best;
    LoadCheckpointWeights(model_->module(), *best);
  }
  if (!o_.lora.empty() && !dp_) {  // distributed: the coordinator writes it
    model_->MergeLora();
    SaveStateDict(model_->module(), (std::filesystem::path(o_.run_dir) / "merged.pt").string());
  }
  if (progress_) progress_->SetState("evaluating");
  if (!splits_.test.empty()) {
    Test(&summary);
    if (o_.mode == "pretrain")
      Show("test_masked_mse", summary.test_masked_mse, "Held-out masked MSE.");
    else
      Show("test_pearson", summary.test_pearson, "Held-out pooled Pearson.");
  }
  if (progress_) progress_->SetState("done");
  if (dp_) dp_->Finish();
  return summary;
}

std::vector<Window> TrainingRun::EpochOrder(int epoch) const {
  std::vector<Window> order = splits_.train;
  ShuffleWindows(&order, MixSeed(o_.seed, 1000 + static_cast<std::uint64_t>(epoch)));
  return order;
}

bool TrainingRun::Commit(int epoch, std::size_t windows_done, double loss_sum, double seen,
                         double val, bool best) {
  const bool end = windows_done == epoch_order_.size();
  json meta = Meta(val);
  meta["generation"] = generation_;
  meta["windows_done"] = end ? 0 : windows_done;  // of epoch `epochs_done`
  meta["epoch_loss_sum"] = loss_sum;
  meta["epoch_seen"] = seen;
  json line = CommitLine(epoch_order_, epoch, generation_, commit_from_, windows_done);
  line["step"] = step_;
  if (resumed_) line["resumed_at"] = commit_from_;
  if (resumed_ && dp_) line["replicas"] = Replicas();
  if (reissued_ > 0) line["reissued"] = reissued_;
  // The lines of commits whose checkpoints could not be written go with
  // this one: its state includes their windows.
  json lines = pending_lines_;
  lines.push_back(line);
  meta["commit"] = lines;
  bool written = true;
  if (dp_) {  // the coordinator writes it (and the lines)
    written = dp_->Checkpoint(step_, model_->module(), *optimizer_, meta, best);
  } else {
    try {
      checkpoints_.Save(step_, model_->module(), *optimizer_, meta, best);
    } catch (const Error& e) {
      LogError(std::string(e.what()) + " (training goes on)");
      written = false;
    }
  }
  if (written) {
    pending_lines_ = json::array();
    resumed_ = false;
    reissued_ = 0;
  } else {
    pending_lines_.push_back(line);
  }
  commit_from_ = end ? 0 : windows_done;  // committed, or pending with the next commit
  return written;
}

void TrainingRun::StartFrom() {
  if (membership_.carries_state) {  // the coordinator's state of record (ps)
    ContinueFrom(membership_.commit, membership_.generation, "the state of record");
    if (!membership_.commit.is_null())
      LogInfo("resuming from the run's state of record (" + Position() + ")");
    return;
  }
  if (o_.resume && dp_) {  // mpi: the coordinator's state of record
    if (const auto state = dp_->LoadStateOfRecord(model_->module(), *optimizer_)) {
      CheckTrainedOnStore(state->meta, state->dir, store_->path(), store_->fingerprint());
      CheckSameModel(state->meta, state->dir, o_, config_);
      ContinueFrom(state->meta, state->meta.value("generation", 0) + 1,
                   "the coordinator's checkpoint " + state->dir);
      LogInfo("resuming from the coordinator's " + state->dir + " (" + Position() + ")");
      return;
    }
    LogInfo("--resume: the coordinator has no checkpoint yet, starting afresh");
    return;
  }
  if (o_.resume) {
    if (const auto resumed = LoadNewestCheckpoint(checkpoints_, o_, *store_, config_,
                                                  model_->module(), *optimizer_)) {
      ContinueFrom(resumed->meta, resumed->meta.value("generation", 0) + 1,
                   "checkpoint " + resumed->dir);
      LogInfo("resuming from " + resumed->dir + " (" + Position() + ")");
      return;
    }
    LogInfo("--resume: no checkpoint in " + o_.run_dir + " yet, starting afresh");
  }
}

std::string TrainingRun::Position() const {
  return "epoch " + std::to_string(epochs_done_ + 1) + " at window " +
         std::to_string(resume_window_) + ", step " + std::to_string(step_) + ", generation " +
         std::to_string(generation_);
}

void TrainingRun::ContinueFrom(const json& meta, int generation, const std::string& source) {
  pending_lines_ = json::array();
  carried_loss_sum_ = carried_seen_ = 0;
  trained_epoch_ = -1;
  trained_to_ = 0;
  generation_ = generation;
  if (meta.is_null()) {  // afresh
    step_ = 0;
    epochs_done_ = bad_epochs_ = 0;
    resume_window_ = 0;
    last_val_ = best_val_ = INFINITY;
    resumed_ = false;
    return;
  }
  step_ = meta.at("step");
  epochs_done_ = meta.at("epochs_done");
  resume_window_ = meta.value("windows_done", std::size_t{0});
  carried_loss_sum_ = meta.value("epoch_loss_sum", 0.0);
  carried_seen_ = meta.value("epoch_seen", 0.0);
  // A loss not measured yet (infinite) was written as null.
  last_val_ = NumberOr(meta, "validation_loss", INFINITY);
  best_val_ = NumberOr(meta, "best_validation_loss", INFINITY);
  bad_epochs_ = meta.at("bad_epochs");
  resumed_ = true;
  if (resume_window_ > 0) {  // mid-epoch: the cursor must index this run's order
    const json& last = meta.at("commit").back();
    const std::vector<Window> order = EpochOrder(epochs_done_);
    if (order.size() != last.at("plan").get<std::size_t>() ||
        DigestHex(WindowSetDigest(order)) != last.at("plan_digest") ||
        resume_window_ > order.size())
      throw Error(ErrorCode::kInvalidArgument,
                  source +
                      " stopped mid-epoch in another window order (another --seed, "
                      "--train-fraction or held-out set?); refusing to continue it there");
  }
}

nlohmann::json TrainingRun::Meta(double val) const {
  return {{"step", step_},
          {"epochs_done", epochs_done_},
          {"mode", o_.mode},
          {"model_config", ModelConfigJson(o_, config_)},
          {"store", o_.store},
          {"store_fingerprint", store_->fingerprint()},
          {"seed", o_.seed},
          {"validation_loss", val},
          {"best_validation_loss", best_val_},
          {"bad_epochs", bad_epochs_}};
}

void TrainingRun::Record(json record) {
  if (dp_) {
    if (Lead()) dp_->Record(record);
    return;
  }
  record["time"] = WallClockSeconds();
  metrics_ << record.dump() << "\n";
  metrics_.flush();
}

BatchTensors TrainingRun::Assemble(std::span<const Window> windows) {
  assembler_.Assemble(windows, &batch_);
  return CopyBatch(batch_, device_);
}

void TrainingRun::TrainEpoch(int epoch) {
  model_->module().train();
  epoch_order_ = EpochOrder(epoch);
  const std::vector<Window>& order = epoch_order_;
  // A resumed epoch starts at its first window not committed, and its loss
  // sums carry on from the commit's (on replica 0; the sums add up).
  const std::size_t skip = std::exchange(resume_window_, 0);
  commit_from_ = skip;
  double loss_sum = std::exchange(carried_loss_sum_, 0.0);
  std::size_t seen = static_cast<std::size_t>(std::exchange(carried_seen_, 0.0));
  if (!Lead()) {
    loss_sum = 0;
    seen = 0;
  }
  const std::size_t seen_before = seen;
  const std::size_t per_step = GlobalStep();
  // This replica's batches of every global step (step_batches.h).
  StepBatches batches(*store_, device_, order,
                      {skip, per_step, static_cast<std::size_t>(o_.batch_size), {200, o_.atac}},
                      dp_);
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  double compute = 0, data_wait = 0, communication = 0;
  auto t0 = Clock::now(), last_print = t0;
  for (std::size_t first = skip; first < order.size(); first += per_step) {
    SetLearningRate(*optimizer_, ScheduledLearningRate(opt_, step_));
    optimizer_->zero_grad();
    const std::size_t end = std::min(order.size(), first + per_step);
    while (auto part = batches.Next(step_, first, end)) {
      const auto got = Clock::now();
      data_wait += part->data_wait_s;
      communication += part->communication_s;
      // Randomness (masks, stochastic depth) follows the batch's place in
      // the step, whichever replica trains it.
      torch::manual_seed(MixSeed(MixSeed(o_.seed, static_cast<std::uint64_t>(step_)),
                                 static_cast<std::uint64_t>(part->offset)));
      GetOutputs out;
      auto loss = BatchLoss(*model_, part->tensors, loss_, precision_, &out);
      const double n = static_cast<double>(part->count);
      (loss * (n / static_cast<double>(end - first))).backward();
      loss_sum += loss.item<double>() * n;
      seen += part->count;
      compute += seconds(got, Clock::now());
    }
    const auto synced = Clock::now();
    const bool updated =
        dp_ && dp_->SynchroniseGradients(model_->module(), step_,
                                         ScheduledLearningRate(opt_, step_), o_.clip_grad);
    communication += seconds(synced, Clock::now());
    if (!updated) {
      if (o_.clip_grad > 0)
        torch::nn::utils::clip_grad_norm_(model_->module().parameters(), o_.clip_grad);
      optimizer_->step();
    }
    ++step_;
    trained_epoch_ = epoch;
    trained_to_ = end;
    if (o_.commit_every > 0 && step_ % o_.commit_every == 0 && end < order.size()) {
      std::vector<double> sums = {loss_sum, static_cast<double>(seen)};
      if (dp_) sums = dp_->Sum(sums);
      Commit(epoch, end, sums[0], sums[1], last_val_, false);
    }
    const auto now = Clock::now();
    const double rate =  // windows per second this epoch, all replicas (every step is whole)
        static_cast<double>(end - skip) / std::max(seconds(t0, now), 1e-9);
    Show("step", static_cast<double>(step_), "Optimizer steps done.");
    Show("train_loss", loss_sum / static_cast<double>(std::max<std::size_t>(1, seen)),
         "Mean training loss of this epoch so far (this replica).");
    Show("samples_per_second", rate, "Training windows per second this epoch (all replicas).");
    if (o_.progress && Lead() &&
        (now - last_print > std::chrono::seconds(2) || end == order.size())) {
      last_print = now;
      const double left =
          static_cast<double>(order.size() - end + (o_.epochs - epoch - 1) * order.size()) / rate;
      char line[256];
      std::snprintf(line, sizeof line,
                    "epoch %d/%d step %lld loss %.4f lr %.2e %.1f samples/s ETA %s", epoch + 1,
                    o_.epochs, static_cast<long long>(step_), loss_sum / static_cast<double>(seen),
                    ScheduledLearningRate(opt_, step_), rate, FormatDuration(left).c_str());
      LogInfo(line);
    }
  }
  // Per-replica throughput and where the time went, for the epoch record.
  const std::vector<double> mine_times = {static_cast<double>(seen - seen_before),
                                          seconds(t0, Clock::now()), compute, data_wait,
                                          communication};
  const std::vector<double> times = dp_ ? dp_->GatherToFirst(mine_times) : mine_times;
  throughput_ = json::array();
  for (std::size_t i = 0; i + 5 <= times.size(); i += 5) {
    throughput_.push_back({{"replica", i / 5},
                           {"windows", times[i]},
                           {"samples_per_s", times[i] / std::max(times[i + 1], 1e-9)},
                           {"wall_s", times[i + 1]},
                           {"compute_s", times[i + 2]},
                           {"data_wait_s", times[i + 3]},
                           {"communication_s", times[i + 4]}});
  }
  if (dp_) {
    const auto total = dp_->Sum({loss_sum, static_cast<double>(seen)});
    loss_sum = total[0];
    seen = static_cast<std::size_t>(total[1]);
  }
  last_train_loss_ = loss_sum / static_cast<double>(std::max<std::size_t>(1, seen));
}

TrainSummary Train(const TrainOptions& options, DataParallel* parallel, RunProgress* progress) {
  return TrainingRun(options, parallel, progress).Go();
}

}  // namespace getps
