// Train: single-process training of GET (or the MLP baseline) from a feature
// store, on CPU or one GPU — masked-element pretraining or fine-tuning, as in
// section 6 of the design. Writes RUN/metrics.jsonl (one JSON record per
// evaluation) and checkpoints (checkpoint.h).
//
// Data: pretraining uses non-overlapping windows, fine-tuning stride-100
// windows, of every cell type. Windows on --leave-out-chromosomes or of
// --leave-out-celltypes form the test set; of the rest a seeded fraction is
// the validation set (early stopping with patience) and, optionally, only a
// random --train-fraction of the remainder is trained on.
// Reproducible: the window order of epoch e is a shuffle seeded by
// (seed, e), and torch's generator is reseeded from (seed, step) before every
// step, so a resumed run continues exactly as an uninterrupted one.
// Commits (every --commit-every steps and at epoch ends) are checkpoints
// whose meta holds the data cursor (the windows of the epoch's order done)
// and the generation (resumes so far); each appends its line to
// RUN/epochs.jsonl (worker/commit_audit.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/batch_assembler.h"

namespace getps {

struct TrainOptions {
  std::string mode = "finetune";  // pretrain | finetune
  std::string store;
  std::string run_dir;
  std::string model = "get";         // get | mlp
  std::string model_size = "small";  // small | paper
  std::int64_t batch_size = 16;
  int accumulation = 1;
  int epochs = 10;
  double base_lr =
      1.5e-4;  // per 256 windows; the rate used is base_lr * batch * accumulation / 256
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
  double atac_loss_weight = 0;  // fine-tuning: + weight * Poisson NLL of the ATAC head
  AtacMode atac = AtacMode::kQuantitative;
  std::string init;     // checkpoint folder or model.pt to start from
  bool resume = false;  // continue from the newest valid checkpoint
  std::string freeze;   // regex: parameters matching it are not trained
  std::string lora;     // regex of Linear layers given LoRA adapters; then only
                        // the adapters and `lora_trainable` parameters train
  std::int64_t lora_rank = 8;
  double lora_alpha = 1.0;
  std::string lora_trainable = "^head_";
  int keep_last = 2;
  // Commit (checkpoint the state of record with its data cursor) every K
  // optimizer steps as well as at every epoch's end; 0: epoch ends only. A
  // resume continues the epoch at the first window not committed.
  std::int64_t commit_every = 0;
  std::string device = "cpu";
  std::string precision = "auto";  // auto (bf16 on CUDA, fp32 on CPU) | fp32 | bf16
  double drop_path = 0.1;          // stochastic depth of the last block
  bool progress = true;
};

struct TrainSummary {
  std::int64_t steps = 0;
  int epochs = 0;
  double best_validation_loss = 0;
  std::string best_checkpoint;
  double test_pearson = 0;       // fine-tuning, pooled over held-out TSS entries
  double test_masked_mse = 0;    // pretraining
  double test_baseline_mse = 0;  // pretraining: predicting each feature's training mean
};

class DataParallel;
class RunProgress;

// With `parallel`, this process is one replica of a data-parallel run (see
// data_parallel.h): it trains its slice of every global step of batch x
// accumulation x replicas windows, and the run's coordinator writes records
// and checkpoints. The summary's test figures are set on replica 0.
// With `progress`, the live figures (step, epoch, losses, samples/s) are set
// there as training goes (for the status server).
TrainSummary Train(const TrainOptions& options, DataParallel* parallel = nullptr,
                   RunProgress* progress = nullptr);

}  // namespace getps
