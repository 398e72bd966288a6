#include "worker/model/initial_model.h"

#include <torch/torch.h>

#include <filesystem>

#include "common/error.h"
#include "common/log.h"
#include "worker/model/checkpoint.h"
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
  if (!dir) return std::nullopt;
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
  torch::manual_seed(o.seed);
  auto model = MakeRegionModel(o.model, *config);
  const bool resuming =
      o.resume && CheckpointManager(o.run_dir, o.keep_last).NewestValid().has_value();
  if (!o.init.empty() && !resuming) LoadInitialWeights(*model, o.init);
  return model;
}

void LoadInitialWeights(RegionModel& model, const std::string& init) {
  const std::string path = CheckpointWeightsPath(init);
  LoadStateDict(model.module(), path);
  LogInfo("initialised from " + path);
}

}  // namespace getps
