#include "worker/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/random.h"
#include "protocol/run_progress.h"
#include "storage/region_strata.h"
#include "storage/store_reader.h"
#include "storage/window_plan.h"
#include "worker/autocast.h"
#include "worker/batch_loss.h"
#include "worker/batch_prefetcher.h"
#include "worker/batch_tensors.h"
#include "worker/checkpoint.h"
#include "worker/data_parallel.h"
#include "worker/data_splits.h"
#include "worker/initial_model.h"
#include "worker/optimizer.h"
#include "worker/region_errors.h"
#include "worker/region_model.h"
#include "worker/state_dict.h"
#include "worker/tss_predictions.h"

namespace getps {
namespace {

using nlohmann::json;

class Run {
 public:
  Run(const TrainOptions& o, DataParallel* dp, RunProgress* progress)
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
    if (!o_.lora.empty()) {
      const auto adapted =
          AdaptWithLora(*model_, {o_.lora, o_.lora_rank, o_.lora_alpha}, o_.lora_trainable);
      LogInfo("LoRA on " + std::to_string(adapted.size()) + " layers (rank " +
              std::to_string(o_.lora_rank) + ")");
    }
    if (!o_.freeze.empty()) {
      LogInfo("froze " + std::to_string(FreezeParameters(model_->module(), o_.freeze)) +
              " parameters matching " + o_.freeze);
    }
    model_->module().to(device_);
    if (dp_) dp_->SynchroniseWeights(model_->module());
    splits_ = MakeSplits(*store_,
                         {o_.leave_out_chromosomes, o_.leave_out_celltypes, o_.validation_fraction,
                          o_.train_fraction, o_.seed, o_.mode == "pretrain" ? 200u : 100u});
    const std::size_t global = GlobalStep();
    steps_per_epoch_ = static_cast<std::int64_t>((splits_.train.size() + global - 1) / global);
    opt_.lr = o.base_lr * static_cast<double>(global) / 256.0;
    opt_.min_lr = o.min_lr;
    opt_.weight_decay = o.weight_decay;
    opt_.total_steps = steps_per_epoch_ * o.epochs;
    opt_.warmup_steps = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(o.warmup_fraction * static_cast<double>(opt_.total_steps)));
    opt_.fused = device_.is_cuda();  // the fused kernel pays off on the GPU
    optimizer_ = MakeAdamW(model_->module(), opt_);
    if (!dp_) metrics_.open(std::filesystem::path(o.run_dir) / "metrics.jsonl", std::ios::app);
    if (Lead())
      LogInfo(o_.mode + ": " + std::to_string(splits_.train.size()) + " training, " +
              std::to_string(splits_.validation.size()) + " validation, " +
              std::to_string(splits_.test.size()) + " held-out windows; " + o.model + " model (" +
              o.model_size + "), lr " + std::to_string(opt_.lr));
  }

  TrainSummary Go() {
    StartFrom();
    TrainSummary summary;
    if (progress_) progress_->SetState("training");
    Show("total_steps", static_cast<double>(steps_per_epoch_ * o_.epochs),
         "Optimizer steps the run will take at most.");
    Show("epochs", o_.epochs, "Epochs the run will take at most.");
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
      if (dp_) {
        dp_->Checkpoint(step_, model_->module(), *optimizer_, Meta(val), best);
      } else {
        try {
          checkpoints_.Save(step_, model_->module(), *optimizer_, Meta(val), best);
        } catch (const Error& e) {
          LogError(std::string(e.what()) + " (training goes on)");
        }
      }
    }
    summary.steps = step_;
    summary.epochs = epochs_done_;
    summary.best_validation_loss = best_val_;
    if (auto best = checkpoints_.Best()) {
      summary.best_checkpoint = *best;
      LoadCheckpointWeights(*best);
    }
    if (!o_.lora.empty() && Lead()) {
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

 private:
  void StartFrom() {
    if (o_.resume) {
      if (auto dir = checkpoints_.NewestValid()) {
        json meta = CheckpointManager::ReadMeta(*dir);
        if (meta.at("store_fingerprint") != store_->fingerprint()) {
          throw Error(ErrorCode::kInvalidArgument,
                      "checkpoint " + *dir + " was trained on a store with fingerprint " +
                          meta.at("store_fingerprint").get<std::string>() + ", but " +
                          store_->path() + " has " + store_->fingerprint());
        }
        if (meta.at("model_config") != ConfigJson() || meta.at("mode") != o_.mode) {
          throw Error(ErrorCode::kInvalidArgument,
                      "checkpoint " + *dir + " has another mode or model configuration (" +
                          meta.at("model_config").dump() + ")");
        }
        LoadCheckpointWeights(*dir);
        torch::load(*optimizer_, *dir + "/optimizer.pt");
        step_ = meta.at("step");
        epochs_done_ = meta.at("epochs_done");
        best_val_ = meta.at("best_validation_loss");
        bad_epochs_ = meta.at("bad_epochs");
        LogInfo("resuming from " + *dir + " (epoch " + std::to_string(epochs_done_) + ", step " +
                std::to_string(step_) + ")");
        return;
      }
      LogInfo("--resume: no checkpoint in " + o_.run_dir + " yet, starting afresh");
    }
  }

  void LoadCheckpointWeights(const std::string& dir) {
    LoadStateDict(model_->module(), dir + "/model.pt");
    if (std::filesystem::exists(dir + "/adapters.pt"))
      LoadAdapters(model_->module(), dir + "/adapters.pt");
  }

  json ConfigJson() const {
    return {{"model", o_.model},
            {"lora", o_.lora},
            {"num_features", config_.num_features},
            {"dim", config_.dim},
            {"depth", config_.depth},
            {"heads", config_.heads},
            {"mlp_ratio", config_.mlp_ratio}};
  }

  json Meta(double val) const {
    return {{"step", step_},
            {"epochs_done", epochs_done_},
            {"mode", o_.mode},
            {"model_config", ConfigJson()},
            {"store", o_.store},
            {"store_fingerprint", store_->fingerprint()},
            {"seed", o_.seed},
            {"validation_loss", val},
            {"best_validation_loss", best_val_},
            {"bad_epochs", bad_epochs_}};
  }

  bool Lead() const { return !dp_ || dp_->replica() == 0; }

  void Show(const char* name, double value, const char* help) {
    if (progress_) progress_->Set(name, value, help);
  }
  int Replicas() const { return dp_ ? dp_->replicas() : 1; }
  int Replica() const { return dp_ ? dp_->replica() : 0; }
  std::size_t GlobalStep() const {
    return static_cast<std::size_t>(o_.batch_size * o_.accumulation * Replicas());
  }

  void Record(json record) {
    if (dp_) {
      if (Lead()) dp_->Record(record);
      return;
    }
    record["time"] =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    metrics_ << record.dump() << "\n";
    metrics_.flush();
  }

  BatchTensors Assemble(std::span<const Window> windows) {
    assembler_.Assemble(windows, &batch_);
    return CopyBatch(batch_, device_);
  }

  void TrainEpoch(int epoch) {
    model_->module().train();
    std::vector<Window> order = splits_.train;
    ShuffleWindows(&order, MixSeed(o_.seed, 1000 + static_cast<std::uint64_t>(epoch)));
    const std::size_t per_step = GlobalStep(),
                      mine = static_cast<std::size_t>(o_.batch_size * o_.accumulation);
    // This replica's batches of every global step, assembled ahead on a
    // background thread.
    const ReplicaBatches mine_batches = SliceSteps(
        order.size(), per_step, mine, static_cast<std::size_t>(o_.batch_size), Replica());
    const auto& ranges = mine_batches.ranges;
    const auto& batches_in_step = mine_batches.batches_per_step;
    BatchPrefetcher prefetcher(*store_, {200, o_.atac}, device_, order, ranges);
    using Clock = std::chrono::steady_clock;
    auto seconds = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double>(b - a).count();
    };
    double compute = 0, data_wait = 0, communication = 0;
    auto t0 = Clock::now(), last_print = t0;
    double loss_sum = 0;
    std::size_t seen = 0, next_range = 0, step_in_epoch = 0;
    for (std::size_t first = 0; first < order.size(); first += per_step, ++step_in_epoch) {
      torch::manual_seed(MixSeed(o_.seed, static_cast<std::uint64_t>(step_)));
      SetLearningRate(*optimizer_, ScheduledLearningRate(opt_, step_));
      optimizer_->zero_grad();
      const std::size_t end = std::min(order.size(), first + per_step);
      for (std::size_t k = 0; k < batches_in_step[step_in_epoch]; ++k) {
        const std::size_t n = ranges[next_range++].second;
        const auto waited = Clock::now();
        BatchTensors batch = *prefetcher.Next();
        const auto got = Clock::now();
        GetOutputs out;
        auto loss = BatchLoss(*model_, batch, loss_, precision_, &out);
        (loss * (static_cast<double>(n) / static_cast<double>(end - first))).backward();
        loss_sum += loss.item<double>() * static_cast<double>(n);
        seen += n;
        data_wait += seconds(waited, got);
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
      auto now = std::chrono::steady_clock::now();
      Show("step", static_cast<double>(step_), "Optimizer steps done.");
      Show("train_loss", loss_sum / static_cast<double>(std::max<std::size_t>(1, seen)),
           "Mean training loss of this epoch so far (this replica).");
      Show("samples_per_second",
           static_cast<double>(seen * static_cast<std::size_t>(Replicas())) /
               std::max(seconds(t0, now), 1e-9),
           "Training windows per second this epoch (all replicas).");
      if (o_.progress && Lead() &&
          (now - last_print > std::chrono::seconds(2) || end == order.size())) {
        last_print = now;
        const double secs = std::chrono::duration<double>(now - t0).count();
        const double rate =
            static_cast<double>(seen * static_cast<std::size_t>(Replicas())) / std::max(secs, 1e-9);
        const double left =
            static_cast<double>(order.size() - end + (o_.epochs - epoch - 1) * order.size()) / rate;
        char line[256];
        std::snprintf(line, sizeof line,
                      "epoch %d/%d step %lld loss %.4f lr %.2e %.1f samples/s ETA %s", epoch + 1,
                      o_.epochs, static_cast<long long>(step_),
                      loss_sum / static_cast<double>(seen), ScheduledLearningRate(opt_, step_),
                      rate, FormatDuration(left).c_str());
        LogInfo(line);
      }
    }
    // Per-replica throughput and where the time went, for the epoch record.
    const std::vector<double> mine_times = {static_cast<double>(seen), seconds(t0, Clock::now()),
                                            compute, data_wait, communication};
    const std::vector<double> times = dp_ ? dp_->GatherToFirst(mine_times) : mine_times;
    throughput_ = json::array();
    for (std::size_t i = 0; i + 5 <= times.size(); i += 5) {
      throughput_.push_back({{"replica", i / 5},
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
  double Loss(const std::vector<Window>& windows) {
    torch::NoGradGuard no_grad;
    model_->module().eval();
    double sum = 0;
    ForEachBatch(
        windows,
        [&](std::size_t b, std::size_t n, const BatchTensors& t) {
          torch::manual_seed(MixSeed(o_.seed, 0xE7A1u + b));
          GetOutputs out;
          sum += BatchLoss(*model_, t, loss_, precision_, &out).item<double>() *
                 static_cast<double>(n);
        },
        /*sliced=*/true);
    if (dp_) sum = dp_->Sum({sum})[0];
    return sum / static_cast<double>(std::max<std::size_t>(1, windows.size()));
  }

  void Test(TrainSummary* summary) {
    torch::NoGradGuard no_grad;
    model_->module().eval();
    std::vector<std::string> names;
    for (const auto& ct : store_->celltypes()) names.push_back(ct.name);
    if (o_.mode == "pretrain") {
      // Per-region errors under the same seeded masks as Loss().
      RegionErrors errors;
      ForEachBatch(
          splits_.test,
          [&](std::size_t b, std::size_t n, const BatchTensors& t) {
            torch::manual_seed(MixSeed(o_.seed, 0xE7A1u + b));
            GetOutputs out;
            torch::Tensor mask;
            auto se = MaskedRegionErrors(*model_, t, o_.mask_ratio, precision_, &out, &mask)
                          .to(torch::kCPU)
                          .contiguous();
            auto m = mask.to(torch::kFloat).to(torch::kCPU).contiguous();
            errors.Add(batch_, n, se.data_ptr<float>(), m.data_ptr<float>());
          },
          /*sliced=*/true);
      if (dp_) errors = GatheredToFirst(errors);
      summary->test_masked_mse = Loss(splits_.test);
      summary->test_baseline_mse = BaselineMse();
      if (!Lead()) return;
      json record = {{"kind", "test"},
                     {"step", step_},
                     {"masked_mse", summary->test_masked_mse},
                     {"baseline_mse", summary->test_baseline_mse},
                     {"windows", splits_.test.size()}};
      auto by = [&](const RegionStrata& s) { return errors.MseBy(names, s); };
      record["by_specificity"] = by(SpecificityStrata(AccessibleCounts(*store_)));
      if (const auto genes = store_->Genes(); !genes.empty())
        record["by_tss_distance"] =
            by(TssDistanceStrata(DistanceToNearestTss(store_->regions(), genes)));
      Record(record);
      return;
    }
    // Predictions per (cell type, region, strand) averaged over the windows
    // holding the region, for TSS entries only; metrics over all of them.
    // (Every such entry holds a TSS, so they are stratified by specificity
    // only; pretraining's records carry the TSS-distance strata.)
    TssPredictions predictions;
    ForEachBatch(
        splits_.test,
        [&](std::size_t, std::size_t n, const BatchTensors& t) {
          auto e = Forward(*model_, t, {}, true, false, precision_)
                       .expression.to(torch::kCPU)
                       .contiguous();
          predictions.Add(batch_, n, e.data_ptr<float>());
        },
        /*sliced=*/true);
    if (dp_) predictions = GatheredToFirst(predictions);
    if (!Lead()) return;
    json metrics = predictions.Metrics(names);
    const json pooled = metrics["pooled"];
    summary->test_pearson = pooled["pearson"];
    Record({{"kind", "test"},
            {"step", step_},
            {"pooled", pooled},
            {"per_celltype", metrics["per_celltype"]},
            {"by_specificity",
             predictions.MetricsBy(names, SpecificityStrata(AccessibleCounts(*store_)))},
            {"leave_out_chromosomes", o_.leave_out_chromosomes},
            {"leave_out_celltypes", o_.leave_out_celltypes}});
    WritePredictions(predictions, names);
    LogInfo("test: pooled Pearson " + pooled["pearson"].dump() + ", Spearman " +
            pooled["spearman"].dump() + ", R2 " + pooled["r2"].dump() + " over " +
            pooled["n"].dump() + " TSS entries");
  }

  // Every replica's share of `part`, merged on replica 0.
  template <typename Part>
  Part GatheredToFirst(const Part& part) {
    Part merged;
    merged.Merge(dp_->GatherToFirst(part.Flatten()));
    return merged;
  }

  // RUN/test_predictions.tsv: one line per held-out TSS entry.
  void WritePredictions(const TssPredictions& predictions, const std::vector<std::string>& names) {
    std::string tsv = "celltype\tregion\tstrand\tpredicted\tobserved\n";
    predictions.ForEachEntry([&](int ct, std::uint32_t id, int strand, double p, double o) {
      tsv += names.at(static_cast<std::size_t>(ct)) + "\t" + store_->regions().Describe(id) +
             (strand == 0 ? "\t+\t" : "\t-\t") + std::to_string(p) + "\t" + std::to_string(o) +
             "\n";
    });
    try {
      WriteFileAtomically(std::filesystem::path(o_.run_dir) / "test_predictions.tsv", tsv);
    } catch (const Error& e) {
      LogError(e.what());
    }
  }

  // The trivial pretraining baseline: predict each feature's mean over the
  // training windows; its masked MSE on the test windows.
  double BaselineMse() {
    torch::Tensor sum;
    double count = 0;
    ForEachBatch(splits_.train, [&](std::size_t, std::size_t, const BatchTensors& t) {
      auto s = t.features.sum(std::vector<std::int64_t>{0, 1});
      sum = sum.defined() ? sum + s : s;
      count += static_cast<double>(t.features.size(0) * t.features.size(1));
    });
    auto mean = sum / count;
    double se = 0, regions = 0;
    ForEachBatch(splits_.test, [&](std::size_t, std::size_t, const BatchTensors& t) {
      se += (t.features - mean).pow(2).mean(-1).sum().item<double>();
      regions += static_cast<double>(t.features.size(0) * t.features.size(1));
    });
    return se / std::max(1.0, regions);
  }

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
};

}  // namespace

TrainSummary Train(const TrainOptions& options, DataParallel* parallel, RunProgress* progress) {
  return Run(options, parallel, progress).Go();
}

}  // namespace getps
