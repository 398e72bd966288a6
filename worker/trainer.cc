#include "worker/trainer.h"

#include <torch/torch.h>
#include <cstdint>

#include <chrono>
#include <filesystem>
#include <utility>

#include "common/error.h"
#include "common/json_number.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/random.h"
#include "worker/local_transport.h"
#include "worker/model/initial_model.h"
#include "worker/people_splits.h"
#include "worker/step_batches.h"
#include "worker/training_run.h"

namespace getps {

using nlohmann::json;

TrainingCounters TrainingCounters::FromMeta(const json& meta) {
  TrainingCounters c;
  if (meta.is_null()) return c;
  c.step = meta.at("step");
  c.epochs_done = meta.at("epochs_done");
  c.bad_epochs = meta.at("bad_epochs");
  // A loss not measured yet (infinite) was written as null.
  c.last_val = NumberOr(meta, "validation_loss", INFINITY);
  c.best_val = NumberOr(meta, "best_validation_loss", INFINITY);
  return c;
}

namespace {

// Options of training by people that only make sense together; throws
// Error(kInvalidArgument) naming the option.
void CheckPeopleOptions(const TrainOptions& o) {
  const bool split = !o.leave_out_individuals.empty() || o.individual_folds != 0;
  if (!o.by_people() && (split || !o.genes.empty()))
    throw Error(ErrorCode::kInvalidArgument,
                "--leave-out-individuals, --individual-folds and --genes need --genotypes");
  if (!o.by_people() && o.loss == ExpressionLoss::kVariformer)
    throw Error(ErrorCode::kInvalidArgument,
                "--loss variformer needs --genotypes (its batches are people)");
  if (o.by_people() && o.task() != RegionTask::kExpression)
    throw Error(ErrorCode::kInvalidArgument,
                "--genotypes trains expression: it needs --mode finetune --target expression");
  if (o.by_people() && !split)
    throw Error(ErrorCode::kInvalidArgument,
                "--genotypes needs the held-out people: --leave-out-individuals or "
                "--individual-folds K --fold k");
}

std::unique_ptr<GenotypeReader> OpenGenotypes(const TrainOptions& o) {
  CheckPeopleOptions(o);
  return o.by_people() ? GenotypeReader::Open(o.genotypes) : nullptr;
}

}  // namespace

TrainingRun::TrainingRun(const TrainOptions& o, Transport* transport, RunProgress* progress)
    : o_(o),
      progress_(progress),
      store_(StoreReader::Open(o.store)),
      genotypes_(OpenGenotypes(o)),
      people_(genotypes_ ? std::make_unique<PeopleSource>(*store_, *genotypes_) : nullptr),
      loss_{o.mask_ratio, o.loss},
      assembler_(*store_, Assembly()) {
  if (o_.device.is_cuda() && !torch::cuda::is_available())
    throw Error(ErrorCode::kInvalidArgument,
                "--device " + o.device.str() + ": no CUDA in this build or no GPU");
  std::filesystem::create_directories(o.run_dir);
  model_ = MakeInitialModel(o, *store_, &config_);
  if (!transport) own_transport_ = std::make_unique<LocalTransport>(o_, *store_, config_);
  transport_ = transport ? transport : own_transport_.get();
  AdaptForTraining(*model_, o_, /*log=*/true);
  model_->module().to(o_.device);
  membership_ = transport_->Join(model_->module());
  const SplitOptions split{o_.leave_out_chromosomes,
                           o_.leave_out_celltypes,
                           o_.validation_fraction,
                           o_.train_fraction,
                           o_.seed,
                           o_.pretraining() ? kRegionsPerWindow : kRegionsPerWindow / 2};
  splits_ =
      people_ ? MakePeopleSplits(*store_, *people_, split,
                                 {o_.leave_out_individuals, o_.individual_folds, o_.fold}, o_.genes)
              : MakeSplits(*store_, split);
  opt_.min_lr = o.min_lr;
  opt_.weight_decay = o.weight_decay;
  opt_.fused = o_.device.is_cuda();  // the fused kernel pays off on the GPU
  Schedule();
  optimizer_ = MakeAdamW(model_->module(), opt_);
  if (Lead())
    LogInfo(std::string(kTrainModes.Name(o_.mode)) +
            (o_.task() == RegionTask::kAccessibility ? " (atac)" : "") + ": " +
            std::to_string(splits_.train.size()) + " training, " +
            std::to_string(splits_.validation.size()) + " validation, " +
            std::to_string(splits_.test.size()) + " held-out windows" +
            (people_ ? " of (person, gene window)" : "") + "; " + kModelKinds.Name(o.model) +
            " model (" + kModelSizes.Name(o.model_size) + "), lr " + std::to_string(opt_.lr));
}

void TrainingRun::Schedule() {
  const std::size_t global = GlobalStep();
  const std::size_t windows = EpochOrder(0).size();  // Variformer's leaves some out
  steps_per_epoch_ = static_cast<std::int64_t>((windows + global - 1) / global);
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
      LogWarning("replica " + std::to_string(transport_->replica()) + ": " + e.what() +
                 "; rejoining at the last commit");
      Rejoin();
    }
  }
}

void TrainingRun::Rejoin() {
  membership_ = transport_->Join(model_->module());
  Schedule();
  const auto& meta = membership_.commit;
  counters_ = TrainingCounters::FromMeta(meta);
  const std::size_t reissued = cursor_.Rejoin(meta, membership_.generation, counters_.epochs_done);
  cursor_.CheckOrder(meta, EpochOrder(counters_.epochs_done), "the state of record");
  LogInfo("replica " + std::to_string(transport_->replica()) + " of " +
          std::to_string(transport_->replicas()) + ": " + Position() + " (" +
          std::to_string(reissued) + " windows to train again)");
}

TrainSummary TrainingRun::TrainAndTest() {
  TrainSummary summary;
  if (progress_) progress_->SetState("training");
  Show("total_steps", static_cast<double>(steps_per_epoch_ * o_.epochs),
       "Optimizer steps the run will take at most.");
  Show("epochs", o_.epochs, "Epochs the run will take at most.");
  Show("step", static_cast<double>(counters_.step), "Optimizer steps done.");
  auto& c = counters_;
  for (int epoch = c.epochs_done; epoch < o_.epochs && c.bad_epochs < o_.patience; ++epoch) {
    TrainEpoch(epoch);
    const double val = splits_.validation.empty() ? last_train_loss_ : Loss(splits_.validation);
    const bool best = val < c.best_val;
    if (best) {
      c.best_val = val;
      c.bad_epochs = 0;
    } else {
      ++c.bad_epochs;
    }
    c.epochs_done = epoch + 1;
    Show("epochs_done", c.epochs_done, "Epochs finished.");
    Show("validation_loss", val, "Validation loss after the last epoch.");
    Show("best_validation_loss", c.best_val, "Best validation loss so far.");
    Record({{"kind", "validation"},
            {"epoch", c.epochs_done},
            {"step", c.step},
            {"train_loss", last_train_loss_},
            {"validation_loss", val},
            {"throughput", throughput_}});
    c.last_val = val;
    Commit(epoch, cursor_.order().size(), 0, 0, val, best);
  }
  summary.steps = c.step;
  summary.epochs = c.epochs_done;
  summary.best_validation_loss = c.best_val;
  // The held-out test runs on the best checkpoint's weights.
  summary.best_checkpoint = transport_->LoadBest(model_->module()).value_or("");
  if (!o_.lora.empty()) transport_->WriteMergedModel(*model_);
  if (progress_) progress_->SetState("evaluating");
  if (!splits_.test.empty()) {
    Test(&summary);
    if (o_.pretraining())
      Show("test_masked_mse", summary.test_masked_mse, "Held-out masked MSE.");
    else
      Show("test_pearson", summary.test_pearson, "Held-out pooled Pearson.");
  }
  if (progress_) progress_->SetState("done");
  transport_->Finish();
  return summary;
}

std::vector<Window> TrainingRun::EpochOrder(int epoch) const {
  std::vector<Window> order = splits_.train;
  ShuffleWindows(&order, MixSeed(o_.seed, 1000 + static_cast<std::uint64_t>(epoch)));
  if (o_.loss != ExpressionLoss::kVariformer) return order;
  return GroupedByWindow(order, static_cast<std::size_t>(o_.batch_size),
                         MixSeed(o_.seed, 2000 + static_cast<std::uint64_t>(epoch)));
}

bool TrainingRun::Commit(int epoch, std::size_t windows_done, double loss_sum, double seen,
                         double val, bool best) {
  const json meta = cursor_.CommitMeta(Meta(val), epoch, counters_.step, transport_->replicas(),
                                       windows_done, loss_sum, seen);
  const bool written =
      transport_->Checkpoint({counters_.step, meta, best}, model_->module(), *optimizer_);
  cursor_.Committed(written, meta, windows_done);
  return written;
}

void TrainingRun::StartFrom() {
  if (membership_.carries_state) {  // the coordinator's state of record (ps)
    ContinueFrom(membership_.commit, membership_.generation, "the state of record");
    if (!membership_.commit.is_null())
      LogInfo("resuming from the run's state of record (" + Position() + ")");
    return;
  }
  if (!o_.resume) return;
  if (const auto state = transport_->LoadStateOfRecord(model_->module(), *optimizer_)) {
    CheckTrainedOnStore(state->meta, state->dir, store_->path(), store_->fingerprint());
    CheckSameModel(state->meta, state->dir, o_, config_);
    ContinueFrom(state->meta, state->meta.value("generation", 0) + 1,
                 state->owner + "checkpoint " + state->dir);
    LogInfo("resuming from " + state->owner + state->dir + " (" + Position() + ")");
    return;
  }
  LogInfo("--resume: no checkpoint in " + transport_->StateOfRecordPlace() +
          " yet, starting afresh");
}

std::string TrainingRun::Position() const {
  return "epoch " + std::to_string(counters_.epochs_done + 1) + " at window " +
         std::to_string(cursor_.resume_window()) + ", step " + std::to_string(counters_.step) +
         ", generation " + std::to_string(cursor_.generation());
}

void TrainingRun::ContinueFrom(const json& meta, int generation, const std::string& source) {
  counters_ = TrainingCounters::FromMeta(meta);
  cursor_.Restart(meta, generation);
  cursor_.CheckOrder(meta, EpochOrder(counters_.epochs_done), source);
}

nlohmann::json TrainingRun::Meta(double val) const {
  return {{"step", counters_.step},
          {"epochs_done", counters_.epochs_done},
          {"mode", kTrainModes.Name(o_.mode)},
          {"model_config", ModelConfigJson(o_, config_)},
          {"store", o_.store},
          {"store_fingerprint", store_->fingerprint()},
          {"seed", o_.seed},
          {"validation_loss", val},
          {"best_validation_loss", counters_.best_val},
          {"bad_epochs", counters_.bad_epochs},
          {"genotypes", o_.genotypes},
          {"loss", kExpressionLosses.Name(o_.loss)}};
}

BatchTensors TrainingRun::Assemble(std::span<const Window> windows) {
  assembler_.Assemble(windows, &batch_);
  return CopyBatch(batch_, o_.device);
}

void TrainingRun::TrainEpoch(int epoch) {
  model_->module().train();
  last_print_ = std::chrono::steady_clock::now();
  // A resumed epoch starts at its first window not committed, and its loss
  // sums carry on from the commit's (on replica 0; the sums add up).
  const auto start = cursor_.BeginEpoch(EpochOrder(epoch));
  const std::vector<Window>& order = cursor_.order();
  double loss_sum = Lead() ? start.loss_sum : 0;
  std::size_t seen = Lead() ? static_cast<std::size_t>(start.seen) : 0;
  const std::size_t seen_before = seen;
  const std::size_t per_step = GlobalStep();
  // This replica's batches of every global step (step_batches.h).
  StepBatches batches(*store_, o_.device, order,
                      {start.first, per_step, static_cast<std::size_t>(o_.batch_size), Assembly()},
                      *transport_);
  EpochClock clock;
  for (std::size_t first = start.first; first < order.size(); first += per_step) {
    const std::size_t end = std::min(order.size(), first + per_step);
    TrainStep(batches, first, end, &loss_sum, &seen, &clock);
    cursor_.Trained(epoch, end);
    if (o_.commit_every > 0 && counters_.step % o_.commit_every == 0 && end < order.size()) {
      const auto sums = transport_->Sum({loss_sum, static_cast<double>(seen)});
      Commit(epoch, end, sums[0], sums[1], counters_.last_val, false);
    }
    ShowEpochProgress(epoch, start.first, end, loss_sum, seen, clock);
  }
  // Per-replica throughput and where the time went, for the epoch record.
  throughput_ = EpochClock::Throughput(
      transport_->GatherToFirst(clock.Report(static_cast<double>(seen - seen_before))));
  const auto total = transport_->Sum({loss_sum, static_cast<double>(seen)});
  last_train_loss_ = total[0] / std::max(1.0, total[1]);
}

void TrainingRun::TrainStep(StepBatches& batches, std::size_t first, std::size_t end,
                            double* loss_sum, std::size_t* seen, EpochClock* clock) {
  const std::int64_t step = counters_.step;
  const double lr = ScheduledLearningRate(opt_, step);
  SetLearningRate(*optimizer_, lr);
  optimizer_->zero_grad();
  while (auto part = batches.Next(step, first, end)) {
    const auto got = EpochClock::Clock::now();
    clock->data_wait += part->data_wait_s;
    clock->communication += part->communication_s;
    // Randomness (masks, stochastic depth) follows the batch's place in
    // the step, whichever replica trains it.
    torch::manual_seed(MixSeed(MixSeed(o_.seed, static_cast<std::uint64_t>(step)),
                               static_cast<std::uint64_t>(part->offset)));
    GetOutputs out;
    auto loss = BatchLoss(*model_, part->tensors, loss_, o_.precision, &out);
    const double n = static_cast<double>(part->count);
    if (part->last) transport_->BeforeFinalBackward();
    (loss * (n / static_cast<double>(end - first))).backward();
    *loss_sum += loss.item<double>() * n;
    *seen += part->count;
    clock->compute += EpochClock::Seconds(got, EpochClock::Clock::now());
  }
  const auto synced = EpochClock::Clock::now();
  const bool updated = transport_->SynchroniseGradients(model_->module(), {step, lr, o_.clip_grad});
  clock->communication += EpochClock::Seconds(synced, EpochClock::Clock::now());
  if (!updated) {
    if (o_.clip_grad > 0)
      torch::nn::utils::clip_grad_norm_(model_->module().parameters(), o_.clip_grad);
    optimizer_->step();
  }
  ++counters_.step;
}

void TrainingRun::ShowEpochProgress(int epoch, std::size_t first, std::size_t end, double loss_sum,
                                    std::size_t seen, const EpochClock& clock) {
  const std::size_t windows = cursor_.order().size();
  // Windows per second this epoch, all replicas (every step is whole).
  const double rate = static_cast<double>(end - first) / std::max(clock.elapsed(), 1e-9);
  const double mean_loss = loss_sum / static_cast<double>(std::max<std::size_t>(1, seen));
  Show("step", static_cast<double>(counters_.step), "Optimizer steps done.");
  Show("train_loss", mean_loss, "Mean training loss of this epoch so far (this replica).");
  Show("samples_per_second", rate, "Training windows per second this epoch (all replicas).");
  const auto now = std::chrono::steady_clock::now();
  if (!o_.progress || !Lead() || (now - last_print_ < std::chrono::seconds(2) && end < windows))
    return;
  last_print_ = now;
  const double left = static_cast<double>(windows - end + (o_.epochs - epoch - 1) * windows) / rate;
  char line[256];
  std::snprintf(line, sizeof line, "epoch %d/%d step %lld loss %.4f lr %.2e %.1f samples/s ETA %s",
                epoch + 1, o_.epochs, static_cast<long long>(counters_.step),
                loss_sum / static_cast<double>(seen), ScheduledLearningRate(opt_, counters_.step),
                rate, FormatDuration(left).c_str());
  LogInfo(line);
}

TrainSummary Train(const TrainOptions& options, Transport* transport, RunProgress* progress) {
  return TrainingRun(options, transport, progress).Go();
}

}  // namespace getps
