// The page of `getps genotypes evaluate` (DIR/evaluation.html): the
// distribution of the model's per-gene Pearson across held-out people
// beside the cis ridge's, the model's Pearson against each gene's cis R2,
// and the median Pearson per cis R2 bin.
#pragma once

#include <string>
#include <vector>

namespace getps::cli {

// `pearson[g]` and `ridge_pearson[g]` of gene g (NaN: none); `meta` is a
// line of text under the title (escaped here).
std::string PeoplePage(const std::vector<double>& pearson, const std::vector<double>& ridge_pearson,
                       const std::string& meta);

}  // namespace getps::cli
