// The HTML page of a `getps explain` (explain_outputs.h): a heat map of the
// most important features (by mean |importance| over every gene) for the
// genes of the highest outputs, and for a few of them the region track
// around the TSS (Jacobian norm and enhancer-gene score by distance).
// Self-contained: inline SVG, no scripts.
#pragma once

#include <string>
#include <vector>

#include "launch/explain_outputs.h"

namespace getps::cli {

// Reads the job's shards; `outputs` and `features` as the merge wrote them.
std::string ExplainPage(const ExplainJob& job, const std::vector<GeneTask>& tasks,
                        const std::vector<std::string>& celltypes, const StoreReader& store,
                        const std::vector<float>& outputs, const std::vector<std::string>& features,
                        const ExplainOutputOptions& options);

}  // namespace getps::cli
