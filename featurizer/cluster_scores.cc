#include "featurizer/cluster_scores.h"

#include <algorithm>
#include <cstdint>

namespace getps {

void ClusterScores(std::span<const MotifMatch> matches, const std::vector<Pssm>& pssms,
                   const std::vector<int>& feature_of_pssm, std::span<float> out,
                   std::vector<MotifMatch>* scratch) {
  std::fill(out.begin(), out.end(), 0.0f);
  auto& sorted = *scratch;
  sorted.assign(matches.begin(), matches.end());
  // Group by feature, then best score first, then leftmost.
  std::sort(sorted.begin(), sorted.end(), [&](const MotifMatch& a, const MotifMatch& b) {
    const int fa = feature_of_pssm[a.pssm], fb = feature_of_pssm[b.pssm];
    if (fa != fb) return fa < fb;
    if (a.score != b.score) return a.score > b.score;
    return a.pos < b.pos;
  });
  std::vector<std::pair<std::uint32_t, std::uint32_t>> kept;  // [start, end) of kept matches
  for (std::size_t i = 0; i < sorted.size();) {
    const int feature = feature_of_pssm[sorted[i].pssm];
    kept.clear();
    double sum = 0;
    for (; i < sorted.size() && feature_of_pssm[sorted[i].pssm] == feature; ++i) {
      const std::uint32_t start = sorted[i].pos;
      const auto end = static_cast<std::uint32_t>(start + pssms[sorted[i].pssm].width());
      bool overlaps = false;
      for (const auto& [ks, ke] : kept) {
        if (start < ke && ks < end) {
          overlaps = true;
          break;
        }
      }
      if (!overlaps) {
        kept.emplace_back(start, end);
        sum += sorted[i].score;
      }
    }
    out[static_cast<std::size_t>(feature)] = static_cast<float>(std::max(sum, 0.0));
  }
}

}  // namespace getps
