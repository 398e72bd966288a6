// Train: training of GET (or the MLP baseline) from a feature store, on CPU
// or one GPU — masked-element pretraining or fine-tuning, as in section 6
// of the design — in one process or as one replica of a distributed run
// (transport.h). Writes RUN/metrics.jsonl (one JSON record per evaluation)
// and checkpoints (model/checkpoint.h), itself or through the run's
// coordinator.
//
// Data: pretraining uses non-overlapping windows, fine-tuning stride-100
// windows, of every cell type; training by people (--genotypes) each
// person's gene windows (worker/people_splits.h), its labels the person's
// expression, with Poisson or Variformer's loss (batch_loss.h). Windows on --leave-out-chromosomes
// or of
// --leave-out-celltypes form the test set; of the rest a seeded fraction is
// the validation set (early stopping with patience) and, optionally, only a
// random --train-fraction of the remainder is trained on.
// Reproducible: the window order of epoch e is a shuffle seeded by
// (seed, e), and torch's generator is reseeded from (seed, step, the
// batch's offset in the step) before every batch, so a resumed run
// continues exactly as an uninterrupted one.
// Commits (every --commit-every steps and at epoch ends) are checkpoints
// whose meta holds the data cursor (the windows of the epoch's order done)
// and the generation (resumes so far); each appends its line to
// RUN/epochs.jsonl (commit_audit.h, commit_cursor.h).
#pragma once

#include <cstdint>
#include <string>

#include "worker/model/train_options.h"

namespace getps {

struct TrainSummary {
  std::int64_t steps = 0;
  int epochs = 0;
  double best_validation_loss = 0;
  std::string best_checkpoint;
  double test_pearson = 0;  // fine-tuning, pooled over held-out TSS entries
  // Training by people: the median over held-out TSS entries of their
  // Pearson across the held-out people (NaN: none had three who vary).
  double test_people_median_pearson = 0;
  double test_masked_mse = 0;    // pretraining
  double test_baseline_mse = 0;  // pretraining: predicting each feature's training mean
};

class Transport;
class RunProgress;

// With `transport` (not owned), this process is one replica of a
// distributed run: it trains its part of every global step of batch x
// accumulation x replicas windows, and the transport combines gradients and
// hands records and checkpoints on; without, it trains alone
// (LocalTransport). The summary's test figures are set on replica 0. With
// `progress`, the live figures (step, epoch, losses, samples/s) are set
// there as training goes (for the status server).
TrainSummary Train(const TrainOptions& options, Transport* transport = nullptr,
                   RunProgress* progress = nullptr);

}  // namespace getps
