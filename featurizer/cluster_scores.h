// ClusterScores: a region's motif feature values from its matches — the GET
// paper's rule. Per feature (all motifs of a cluster, both strands): take the
// matches in order of decreasing score (ties: leftmost first), keep a match
// unless it overlaps one already kept, and sum the kept scores. A sum below 0
// (possible for low-information motifs, whose p-value thresholds can be
// negative log-odds) is stored as 0: feature values are non-negative, so the
// store's per-cell-type maximum normalisation maps them into [0, 1].
#pragma once

#include <span>
#include <vector>

#include "featurizer/motif_scanner.h"

namespace getps {

// `feature_of_pssm[m]` is the feature column of PSSM m; `out` has one value
// per feature and is overwritten. `scratch` is reused between calls.
void ClusterScores(std::span<const MotifMatch> matches, const std::vector<Pssm>& pssms,
                   const std::vector<int>& feature_of_pssm, std::span<float> out,
                   std::vector<MotifMatch>* scratch);

}  // namespace getps
