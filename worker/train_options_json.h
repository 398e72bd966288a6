// TrainOptions <-> JSON: how the coordinator hands a run's options to a
// worker that joins from outside mpirun (`getps worker`), so both train the
// same way. Every field travels; a field missing from the JSON keeps its
// default.
#pragma once

#include <nlohmann/json.hpp>

#include "worker/trainer.h"

namespace getps {

nlohmann::json TrainOptionsToJson(const TrainOptions& options);
TrainOptions TrainOptionsFromJson(const nlohmann::json& json);

}  // namespace getps
