// RunFiles: what the coordinator keeps in the run directory for the
// replicas, besides the checkpoints of record: the metrics.jsonl records
// they send, the files replica 0 makes (test_predictions.tsv), the best
// checkpoint's weights they test with, and --lora's merged.pt. With it the
// replicas need not share the run directory with the coordinator.
//
// Errors: a file that cannot be written is logged and the run goes on (a
// metrics record waits in memory for the disk); a
// best checkpoint that cannot be read throws the checkpoint's Error.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/json_lines.h"
#include "protocol/message.h"
#include "worker/model/get_model.h"
#include "worker/model/region_model.h"
#include "worker/model/train_options.h"

namespace getps {

class RunFiles {
 public:
  // `train` names the run directory and the model; `config` is the model's
  // configuration (MakeInitialModel's).
  RunFiles(const TrainOptions& train, const GetModelConfig& config);

  // Appends a replica's record, stamped with the wall-clock time.
  void AppendRecord(nlohmann::json record);

  // Writes replica 0's file `name`; only the names replicas write are
  // taken (others are logged and refused).
  void Write(const std::string& name, const std::string& text);

  // The weights of checkpoint `dir` as frames (read once per checkpoint).
  const std::vector<TensorFrame>& WeightsOf(const std::string& dir);

  // --lora: checkpoint `dir` with its adapters merged in, as a plain state
  // dict in RUN/merged.pt (what one process writes).
  void WriteMergedModel(const std::string& dir);

 private:
  std::unique_ptr<RegionModel> CheckpointModel(const std::string& dir) const;

  TrainOptions train_;
  GetModelConfig config_;
  JsonLinesLog metrics_;     // RUN/metrics.jsonl; keeps records a full disk refused
  std::string weights_dir_;  // the checkpoint weights_ came from
  std::vector<TensorFrame> weights_;
};

}  // namespace getps
