#include "storage/individual_splits.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "common/file_digest.h"

namespace getps {

int IndividualFold(std::string_view id, int folds) {
  return static_cast<int>(TextDigest(id) % static_cast<std::uint64_t>(folds));
}

IndividualSplit SplitIndividuals(const std::vector<std::string>& individuals,
                                 const IndividualSplitOptions& o) {
  if (o.leave_out.empty() == (o.folds == 0))
    throw Error(ErrorCode::kInvalidArgument,
                "give either --leave-out-individuals or --individual-folds K with --fold k");
  if (o.folds != 0 && (o.folds < 2 || o.fold < 0 || o.fold >= o.folds))
    throw Error(ErrorCode::kInvalidArgument, "--individual-folds " + std::to_string(o.folds) +
                                                 " --fold " + std::to_string(o.fold) +
                                                 ": expected K >= 2 and 0 <= k < K");
  std::vector<bool> held(individuals.size(), false);
  for (const auto& id : o.leave_out) {
    const auto it = std::find(individuals.begin(), individuals.end(), id);
    if (it == individuals.end())
      throw Error(ErrorCode::kNotFound, "--leave-out-individuals: no individual '" + id +
                                            "' in the cohort (of " +
                                            std::to_string(individuals.size()) + ")");
    held[static_cast<std::size_t>(it - individuals.begin())] = true;
  }
  IndividualSplit split;
  for (std::size_t k = 0; k < individuals.size(); ++k) {
    const bool test = o.folds ? IndividualFold(individuals[k], o.folds) == o.fold : held[k];
    (test ? split.test : split.train).push_back(static_cast<std::uint16_t>(k));
  }
  if (split.test.empty() || split.train.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "the split of " + std::to_string(individuals.size()) + " individuals leaves " +
                    std::to_string(split.train.size()) + " to train and " +
                    std::to_string(split.test.size()) + " held out: both need someone");
  return split;
}

}  // namespace getps
