// The model a training run starts from, built in one place for the trainer
// and the distributed coordinator, so that a parameter server starts from
// exactly the weights its replicas would build.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "storage/store_reader.h"
#include "worker/model/checkpoint.h"
#include "worker/model/region_model.h"
#include "worker/model/train_options.h"

namespace getps {

// options.model at options.model_size for the store's features, with the
// heads of options.task() and options.drop_path; torch's generator seeded with options.seed before
// the initialisation; then the weights of options.init unless options.resume finds a checkpoint in
// options.run_dir (a resumed run takes its checkpoint's, loaded by the caller). `config` receives
// the configuration.
std::unique_ptr<RegionModel> MakeInitialModel(const TrainOptions& options, const StoreReader& store,
                                              GetModelConfig* config);

// LoRA adapters (options.lora) and frozen parameters (options.freeze), as
// the run asks, on a model from MakeInitialModel. The trainer and the
// distributed coordinator both call it, so that their parameters (and
// AdamW's) match name for name. `log`: say what was adapted and frozen.
void AdaptForTraining(RegionModel& model, const TrainOptions& options, bool log);

// A checkpoint's weights (model.pt, and adapters.pt when it has one) into
// `module`.
void LoadCheckpointWeights(torch::nn::Module& module, const std::string& dir);

// The model configuration a checkpoint's meta records ("model_config").
nlohmann::json ModelConfigJson(const TrainOptions& options, const GetModelConfig& config);

// Throws Error(kInvalidArgument) unless the checkpoint at `checkpoint_dir`
// (its `meta`) was trained in options.mode with the model `config`: what a
// resumed run must match.
void CheckSameModel(const nlohmann::json& meta, const std::string& checkpoint_dir,
                    const TrainOptions& options, const GetModelConfig& config);

// --resume: the newest valid checkpoint of `checkpoints`, checked against
// `store` and the model (CheckTrainedOnStore, CheckSameModel: their
// errors), loaded into `module` and `optimizer` and adopted as the state of
// record. nullopt, nothing touched, when there is none. The trainer and the
// distributed coordinator both resume with it.
std::optional<ResumePoint> LoadNewestCheckpoint(
    CheckpointManager& checkpoints, const TrainOptions& options, const StoreReader& store,
    const GetModelConfig& config, torch::nn::Module& module, torch::optim::Optimizer& optimizer);

// The model of the getps checkpoint whose weights are at `weights` (a
// model.pt), shaped by the meta.json beside it (a checkpoint of before
// tasks is an expression model), in eval mode, with its weights; heads the
// file has and the task lacks are dropped (older checkpoints kept every
// head). Throws Error(kNotFound) without a meta.json, Error(kInvalidArgument)
// when the model expects another feature count than `num_features`.
std::unique_ptr<RegionModel> CheckpointModel(const std::string& weights, std::int64_t num_features);

// Loads `init` (anything CheckpointWeightsPath takes: getps's checkpoints
// or the reference's, checkpoint_import.h) into the model, leaving out the
// keys matching `drop` (a regex; empty: none), and logs where from.
void LoadInitialWeights(RegionModel& model, const std::string& init, const std::string& drop = "");

}  // namespace getps
