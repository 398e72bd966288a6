// The options that hold people out (`getps train --genotypes`, `getps
// genotypes evaluate`): --leave-out-individuals (a comma list, or a file of
// one sample ID per line when one exists at that path) or
// --individual-folds K --fold k (storage/individual_splits.h).
#pragma once

#include "launch/command_line.h"
#include "storage/individual_splits.h"

namespace getps::cli {

// Adds the three options and their ranges to `spec`.
void AddIndividualSplitOptions(CommandSpec& spec);

// Throws Error(kInvalidArgument) for a file that lists no sample ID.
IndividualSplitOptions ReadIndividualSplit(const po::variables_map& vm);

}  // namespace getps::cli
