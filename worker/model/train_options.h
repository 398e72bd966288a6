// TrainOptions: everything a training run is told (section 6 of the design),
// parsed once where it enters (the command line, or the coordinator's
// welcome for a `getps worker`, train_options_json.h) into typed values.
// Each default is written here only: the command line shows these.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "storage/batch_assembler.h"

namespace getps {

enum class TrainMode { kPretrain, kFinetune };
// What fine-tuning predicts: expression per strand, or accessibility.
enum class Target { kExpression, kAccessibility };
// The heads a region model has, as the reference's classes do:
// GETRegionPretrain, GETRegionFinetune, GETRegionFinetuneATAC.
enum class RegionTask { kPretrain, kExpression, kAccessibility };
enum class ModelKind { kGet, kMlp };  // GET, or the paper's MLP baseline
enum class ModelSize { kSmall, kPaper };
// Fine-tuning's expression loss: GET's Poisson NLL over every entry, or
// Variformer's 0.5 x MSE + 0.5 x MSE of the differences between the people
// of a batch, over its TSS entries (training by people, whose batches each
// hold one gene window's people).
enum class ExpressionLoss { kPoisson, kVariformer };
// kAuto: bf16 autocast on CUDA, fp32 elsewhere (autocast.h).
enum class Precision { kAuto, kFp32, kBf16 };

inline constexpr EnumNames<TrainMode, 2> kTrainModes{
    {{{TrainMode::kPretrain, "pretrain"}, {TrainMode::kFinetune, "finetune"}}}};
inline constexpr EnumNames<Target, 2> kTargets{
    {{{Target::kExpression, "expression"}, {Target::kAccessibility, "atac"}}}};
inline constexpr EnumNames<RegionTask, 3> kRegionTasks{{{{RegionTask::kPretrain, "pretrain"},
                                                         {RegionTask::kExpression, "expression"},
                                                         {RegionTask::kAccessibility, "atac"}}}};
inline constexpr EnumNames<ModelKind, 2> kModelKinds{
    {{{ModelKind::kGet, "get"}, {ModelKind::kMlp, "mlp"}}}};
inline constexpr EnumNames<ModelSize, 2> kModelSizes{
    {{{ModelSize::kSmall, "small"}, {ModelSize::kPaper, "paper"}}}};
inline constexpr EnumNames<ExpressionLoss, 2> kExpressionLosses{
    {{{ExpressionLoss::kPoisson, "poisson"}, {ExpressionLoss::kVariformer, "variformer"}}}};
inline constexpr EnumNames<Precision, 3> kPrecisions{
    {{{Precision::kAuto, "auto"}, {Precision::kFp32, "fp32"}, {Precision::kBf16, "bf16"}}}};

// "cpu", "cuda" or "cuda:N"; Error(kInvalidArgument) naming `option` else.
c10::Device DeviceNamed(const std::string& option, const std::string& text);

struct TrainOptions {
  TrainMode mode = TrainMode::kFinetune;
  Target target = Target::kExpression;  // fine-tuning only
  std::string store;
  std::string run_dir;
  ModelKind model = ModelKind::kGet;
  ModelSize model_size = ModelSize::kSmall;  // small: CPU tests and the demo
  std::int64_t batch_size = 16;
  int accumulation = 1;
  int epochs = 10;
  double base_lr =
      1.5e-4;  // per 256 windows: the rate used is base_lr * batch * accumulation / 256
  double min_lr = 1e-6;
  double weight_decay = 0.05;
  double warmup_fraction = 0.1;  // of all steps
  double clip_grad = 0;          // max gradient norm; 0: off
  std::uint64_t seed = 1;
  std::vector<std::string> leave_out_chromosomes;
  std::vector<std::string> leave_out_celltypes;
  double validation_fraction = 0.1;
  int patience = 5;
  double train_fraction = 1.0;
  double mask_ratio = 0.5;
  AtacMode atac = AtacMode::kQuantitative;  // the input's accessibility column (see InputAtac)
  std::string init;                         // checkpoint folder or weights file to start from
  std::string init_drop;                    // regex: keys of --init's state dict to leave out
  bool resume = false;                      // continue from the newest valid checkpoint
  std::string freeze;                       // regex: parameters matching it are not trained
  std::string lora;                         // regex of Linear layers given LoRA adapters; then only
                                            // the adapters and `lora_trainable` parameters train
  std::int64_t lora_rank = 8;
  double lora_alpha = 1.0;
  std::string lora_trainable = "^head_";
  int keep_last = 2;
  // Commit (checkpoint the state of record with its data cursor) every K
  // optimizer steps as well as at every epoch's end; 0: epoch ends only. A
  // resume continues the epoch at the first window not committed.
  std::int64_t commit_every = 0;
  // A bare "cuda" (no index) under mpirun: the replica's node-local index.
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  Precision precision = Precision::kAuto;
  double drop_path = 0.1;  // stochastic depth of the last block
  bool progress = true;
  ExpressionLoss loss = ExpressionLoss::kPoisson;
  // Training by people (worker/people_splits.h): a genotype store of the
  // feature store with per-person expression; windows are (person, gene
  // window), people held out as listed or by fold (individual_splits.h).
  std::string genotypes;
  std::vector<std::string> leave_out_individuals;
  int individual_folds = 0;        // K; 0: leave_out_individuals
  int fold = 0;                    // k
  std::vector<std::string> genes;  // only these genes' windows (empty: every gene)

  bool by_people() const { return !genotypes.empty(); }

  bool pretraining() const { return mode == TrainMode::kPretrain; }
  // The model's heads.
  RegionTask task() const {
    if (pretraining()) return RegionTask::kPretrain;
    return target == Target::kAccessibility ? RegionTask::kAccessibility : RegionTask::kExpression;
  }
  // The accessibility column the model sees: 1 in every region when
  // accessibility is the target (as the reference's GETRegionFinetuneATAC
  // does), so the target never leaks into the input.
  AtacMode InputAtac() const {
    return task() == RegionTask::kAccessibility ? AtacMode::kBinary : atac;
  }
};

}  // namespace getps
