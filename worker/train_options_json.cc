#include "worker/train_options_json.h"

namespace getps {

NLOHMANN_JSON_SERIALIZE_ENUM(AtacMode, {{AtacMode::kQuantitative, "quantitative"},
                                        {AtacMode::kBinary, "binary"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    TrainOptions, mode, store, run_dir, model, model_size, batch_size, accumulation, epochs,
    base_lr, min_lr, weight_decay, warmup_fraction, clip_grad, seed, leave_out_chromosomes,
    leave_out_celltypes, validation_fraction, patience, train_fraction, mask_ratio,
    atac_loss_weight, atac, init, resume, freeze, lora, lora_rank, lora_alpha, lora_trainable,
    keep_last, commit_every, device, precision, drop_path, progress)

nlohmann::json TrainOptionsToJson(const TrainOptions& options) { return options; }

TrainOptions TrainOptionsFromJson(const nlohmann::json& json) { return json.get<TrainOptions>(); }

}  // namespace getps
