// The live figures (RunProgress gauges) a metrics.jsonl record of the
// replicas carries: step, epochs done, losses, test figures, and the
// windows per second of all replicas together.
#pragma once

#include <nlohmann/json.hpp>

#include "protocol/run_progress.h"

namespace getps {

// Sets the gauges of an epoch ("validation") or "test" record, and
// "replicas" to `replicas`.
void ShowRecordFigures(const nlohmann::json& record, int replicas, RunProgress& progress);

}  // namespace getps
