// SplitIndividuals: which people of a cohort are held out (the splits by
// people of personal-genome training and evaluation): the ones listed, or
// fold k of K, a person's fold being XXH3(sample ID) mod K, so it depends on
// the ID alone (the same on every host, whatever the cohort around it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace getps {

struct IndividualSplitOptions {
  std::vector<std::string> leave_out;  // sample IDs held out
  int folds = 0;                       // K (with fold); 0: use leave_out
  int fold = 0;                        // k, 0 <= k < K
};

struct IndividualSplit {
  std::vector<std::uint16_t> train, test;  // indices into the cohort, ascending
};

// The fold of sample `id` among `folds`.
int IndividualFold(std::string_view id, int folds);

// Throws Error(kNotFound) naming an ID the cohort lacks, and
// Error(kInvalidArgument) when both or neither of leave_out and folds are
// given, fold is outside [0, folds), or either side is left empty.
IndividualSplit SplitIndividuals(const std::vector<std::string>& individuals,
                                 const IndividualSplitOptions& options);

}  // namespace getps
