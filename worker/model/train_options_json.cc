#include "worker/model/train_options_json.h"

#include <string>

#include "common/error.h"

// c10::Device as its name ("cpu", "cuda:1"); it has no default constructor.
template <>
struct nlohmann::adl_serializer<c10::Device> {
  static void to_json(nlohmann::json& j, const c10::Device& device) { j = device.str(); }
  static c10::Device from_json(const nlohmann::json& j) {
    return getps::DeviceNamed("device", j.get<std::string>());
  }
};

namespace getps {

// The enums by the words of their tables (train_options.h).
#define GETPS_ENUM_JSON(Enum, names, what)                       \
  void to_json(nlohmann::json& j, Enum v) { j = names.Name(v); } \
  void from_json(const nlohmann::json& j, Enum& v) { v = names.Parse(what, j.get<std::string>()); }
GETPS_ENUM_JSON(TrainMode, kTrainModes, "mode")
GETPS_ENUM_JSON(Target, kTargets, "target")
GETPS_ENUM_JSON(ModelKind, kModelKinds, "model")
GETPS_ENUM_JSON(ModelSize, kModelSizes, "model_size")
GETPS_ENUM_JSON(Precision, kPrecisions, "precision")
GETPS_ENUM_JSON(AtacMode, kAtacModes, "atac")
GETPS_ENUM_JSON(ExpressionLoss, kExpressionLosses, "loss")
#undef GETPS_ENUM_JSON

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    TrainOptions, mode, target, store, run_dir, model, model_size, batch_size, accumulation, epochs,
    base_lr, min_lr, weight_decay, warmup_fraction, clip_grad, seed, leave_out_chromosomes,
    leave_out_celltypes, validation_fraction, patience, train_fraction, mask_ratio, atac, init,
    init_drop, resume, freeze, lora, lora_rank, lora_alpha, lora_trainable, keep_last, commit_every,
    device, precision, drop_path, progress, loss, genotypes, leave_out_individuals,
    individual_folds, fold, genes)

nlohmann::json TrainOptionsToJson(const TrainOptions& options) { return options; }

TrainOptions TrainOptionsFromJson(const nlohmann::json& json) {
  try {
    return json.get<TrainOptions>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kFormatMismatch, std::string("the run's training options: ") + e.what());
  } catch (const Error& e) {
    throw Error(ErrorCode::kFormatMismatch, std::string("the run's training options: ") + e.what());
  }
}

}  // namespace getps
