// TrainOptions <-> JSON: how the coordinator hands a run's options to a
// worker that joins from outside mpirun (`getps worker`), so both train the
// same way. Every field travels; a field missing from the JSON keeps its
// default. TrainOptionsFromJson throws Error(kFormatMismatch) naming the
// field for a value of the wrong type or an unknown word.
#pragma once

#include <nlohmann/json.hpp>

#include "worker/model/train_options.h"

namespace getps {

nlohmann::json TrainOptionsToJson(const TrainOptions& options);
TrainOptions TrainOptionsFromJson(const nlohmann::json& json);

}  // namespace getps
