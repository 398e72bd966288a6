#include "worker/model/initial_model.h"

#include <torch/torch.h>
#include <cstdint>

#include <filesystem>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/checkpoint.h"
#include "worker/model/checkpoint_import.h"
#include "worker/model/get_model.h"
#include "worker/model/state_dict.h"

namespace getps {

void AdaptForTraining(RegionModel& model, const TrainOptions& o, bool log) {
  if (!o.lora.empty()) {
    const auto adapted =
        AdaptWithLora(model, {o.lora, o.lora_rank, o.lora_alpha}, o.lora_trainable);
    if (log)
      LogInfo("LoRA on " + std::to_string(adapted.size()) + " layers (rank " +
              std::to_string(o.lora_rank) + ")");
  }
  if (!o.freeze.empty()) {
    const std::size_t frozen = FreezeParameters(model.module(), o.freeze);
    if (log) LogInfo("froze " + std::to_string(frozen) + " parameters matching " + o.freeze);
  }
}

void LoadCheckpointWeights(torch::nn::Module& module, const std::string& dir) {
  LoadStateDict(module, dir + "/model.pt");
  if (std::filesystem::exists(dir + "/adapters.pt")) LoadAdapters(module, dir + "/adapters.pt");
}

nlohmann::json ModelConfigJson(const TrainOptions& o, const GetModelConfig& config) {
  return {{"model", kModelKinds.Name(o.model)},
          {"task", kRegionTasks.Name(config.task)},
          {"lora", o.lora},
          {"num_features", config.num_features},
          {"dim", config.dim},
          {"depth", config.depth},
          {"heads", config.heads},
          {"mlp_ratio", config.mlp_ratio}};
}

void CheckSameModel(const nlohmann::json& meta, const std::string& checkpoint_dir,
                    const TrainOptions& o, const GetModelConfig& config) {
  const std::string mode = kTrainModes.Name(o.mode);
  if (meta.at("model_config") != ModelConfigJson(o, config) || meta.at("mode") != mode)
    throw Error(ErrorCode::kInvalidArgument,
                "checkpoint " + checkpoint_dir + " has another mode or model configuration (" +
                    meta.at("mode").dump() + ", " + meta.at("model_config").dump() +
                    "); this run is " + mode + ", " + ModelConfigJson(o, config).dump());
}

std::optional<ResumePoint> LoadNewestCheckpoint(CheckpointManager& checkpoints,
                                                const TrainOptions& o, const StoreReader& store,
                                                const GetModelConfig& config,
                                                torch::nn::Module& module,
                                                torch::optim::Optimizer& optimizer) {
  const auto dir = checkpoints.NewestValid();
  if (!dir) {
    checkpoints.AdoptFreshStart();
    return std::nullopt;
  }
  nlohmann::json meta = CheckpointManager::ReadMeta(*dir);
  CheckTrainedOnStore(meta, *dir, store.path(), store.fingerprint());
  CheckSameModel(meta, *dir, o, config);
  LoadCheckpointWeights(module, *dir);
  torch::load(optimizer, *dir + "/optimizer.pt");
  checkpoints.AdoptAsStateOfRecord(*dir);
  return ResumePoint{*dir, std::move(meta), ""};
}

std::unique_ptr<RegionModel> MakeInitialModel(const TrainOptions& o, const StoreReader& store,
                                              GetModelConfig* config) {
  *config = GetModelConfig::Of(o.model_size, static_cast<std::int64_t>(store.num_motifs() + 1));
  config->drop_path_max = o.drop_path;
  config->task = o.task();
  torch::manual_seed(o.seed);
  auto model = MakeRegionModel(o.model, *config);
  const bool resuming =
      o.resume && CheckpointManager(o.run_dir, o.keep_last).NewestValid().has_value();
  if (!o.init.empty() && !resuming) LoadInitialWeights(*model, o.init, o.init_drop);
  return model;
}

std::unique_ptr<RegionModel> CheckpointModel(const std::string& weights,
                                             std::int64_t num_features) {
  const auto meta_path = std::filesystem::path(weights).parent_path() / "meta.json";
  if (!std::filesystem::exists(meta_path))
    throw Error(ErrorCode::kNotFound,
                weights + ": no meta.json beside it to tell the model's shape");
  const auto c = CheckpointManager::ReadMeta(meta_path.parent_path().string()).at("model_config");
  const std::string where = meta_path.string() + ": model_config.";
  GetModelConfig config = GetModelConfig::Small(c.at("num_features"));
  config.dim = c.at("dim");
  config.depth = c.at("depth");
  config.heads = c.at("heads");
  config.mlp_ratio = c.at("mlp_ratio");
  config.task = kRegionTasks.Parse(where + "task", c.value("task", std::string("expression")));
  if (config.num_features != num_features)
    throw Error(ErrorCode::kInvalidArgument,
                weights + " expects " + std::to_string(config.num_features) +
                    " features, the store has " + std::to_string(num_features));
  auto model =
      MakeRegionModel(kModelKinds.Parse(where + "model", c.at("model").get<std::string>()), config);
  AdoptWeights(*model, ReadTensorDict(weights), {"", weights, /*new_heads=*/false});
  model->module().eval();
  return model;
}

void LoadInitialWeights(RegionModel& model, const std::string& init, const std::string& drop) {
  const std::string path = CheckpointWeightsPath(init);
  AdoptWeights(model, ImportStateDict(path), {drop, path});
  LogInfo("initialised from " + path);
}

}  // namespace getps
