#include "coordinator/run_files.h"

#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "worker/model/initial_model.h"
#include "worker/model/state_dict.h"
#include "worker/model/tensor_frames.h"

namespace getps {

RunFiles::RunFiles(const TrainOptions& train, const GetModelConfig& config)
    : train_(train),
      config_(config),
      metrics_(std::filesystem::path(train.run_dir) / "metrics.jsonl") {
  std::filesystem::create_directories(train.run_dir);
}

void RunFiles::AppendRecord(nlohmann::json record) {
  record["time"] = WallClockSeconds();
  metrics_.Append(record);
}

void RunFiles::Write(const std::string& name, const std::string& text) {
  if (name != "test_predictions.tsv")
    return LogWarning("coordinator: run file '" + name + "' refused (not one replicas write)");
  try {
    WriteFileAtomically(std::filesystem::path(train_.run_dir) / name, text);
  } catch (const Error& e) {
    LogError(std::string("coordinator: ") + e.what());
  }
}

std::unique_ptr<RegionModel> RunFiles::CheckpointModel(const std::string& dir) const {
  auto model = MakeRegionModel(train_.model, config_);
  AdaptForTraining(*model, train_, /*log=*/false);
  LoadCheckpointWeights(model->module(), dir);
  return model;
}

const std::vector<TensorFrame>& RunFiles::WeightsOf(const std::string& dir) {
  if (weights_dir_ != dir) {
    weights_ = ParameterFrames(CheckpointModel(dir)->module());
    weights_dir_ = dir;
  }
  return weights_;
}

void RunFiles::WriteMergedModel(const std::string& dir) {
  if (train_.lora.empty()) return;
  auto model = CheckpointModel(dir);
  model->MergeLora();
  try {
    SaveStateDict(model->module(), (std::filesystem::path(train_.run_dir) / "merged.pt").string());
  } catch (const Error& e) {
    LogError(std::string("coordinator: ") + e.what());
  }
}

}  // namespace getps
