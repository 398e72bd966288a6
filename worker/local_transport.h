// LocalTransport: the Transport (transport.h) of a single-process run. It
// has no peers: sums and gathers are this process's own values, gradients
// stay as they are, and records, run files and checkpoints go straight
// into the run directory (metrics.jsonl stamped with the wall-clock time;
// checkpoints through CheckpointManager, and --resume from its newest valid
// checkpoint).
//
// Ownership: `options`, `store` and `config` are the run's and must
// outlive this. Errors: a record or run file that cannot be written is
// logged and training goes on; so is a checkpoint (Checkpoint returns
// false); resuming throws the checks' errors (initial_model.h).
#pragma once

#include <cstdint>
#include <string>

#include "common/json_lines.h"
#include "storage/store_reader.h"
#include "worker/model/get_model.h"
#include "worker/model/train_options.h"
#include "worker/transport.h"

namespace getps {

class LocalTransport : public Transport {
 public:
  LocalTransport(const TrainOptions& options, const StoreReader& store,
                 const GetModelConfig& config);

  int replica() const override { return 0; }
  int replicas() const override { return 1; }
  Membership Join(torch::nn::Module&) override { return {}; }
  StepShard NextShard(std::int64_t, std::size_t, std::size_t) override;
  bool SynchroniseGradients(torch::nn::Module&, const GradientSyncOptions&) override {
    return false;
  }
  std::vector<double> Sum(std::vector<double> values) override { return values; }
  std::vector<double> GatherToFirst(const std::vector<double>& values) override { return values; }
  std::optional<std::string> LoadBest(torch::nn::Module& module) override;
  std::optional<ResumePoint> LoadStateOfRecord(torch::nn::Module& module,
                                               torch::optim::Optimizer& optimizer) override;
  std::string StateOfRecordPlace() const override { return options_.run_dir; }
  void WriteRunFile(const std::string& name, const std::string& text) override;
  void Record(const nlohmann::json& record) override;
  bool Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                  torch::optim::Optimizer& optimizer) override;
  void WriteMergedModel(RegionModel& model) override;
  void Finish() override {}

 private:
  const TrainOptions& options_;
  const StoreReader& store_;
  const GetModelConfig& config_;
  CheckpointManager checkpoints_;
  JsonLinesLog metrics_;  // RUN/metrics.jsonl; keeps records a full disk refused
};

}  // namespace getps
