#include "featurizer/pssm.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace getps {

double Pssm::MaxScore() const {
  double s = 0;
  for (const auto& col : scores) s += *std::max_element(col.begin(), col.end());
  return s;
}

double Pssm::MinScore() const {
  double s = 0;
  for (const auto& col : scores) s += *std::min_element(col.begin(), col.end());
  return s;
}

Background BackgroundFromCounts(const std::array<std::uint64_t, 4>& counts, double pseudocount) {
  double total = 0;
  for (auto c : counts) total += static_cast<double>(c);
  Background bg;
  for (int b = 0; b < 4; ++b)
    bg[b] = (static_cast<double>(counts[b]) + pseudocount) / (total + 4 * pseudocount);
  return bg;
}

Pssm LogOdds(const Motif& motif, const Background& bg, double pseudocount) {
  Pssm out;
  out.name = motif.name;
  for (const auto& row : motif.probs) {
    double sum = 0;
    for (int b = 0; b < 4; ++b) sum += row[b] + pseudocount * bg[b];
    std::array<double, 4> col;
    for (int b = 0; b < 4; ++b)
      col[b] = std::log((row[b] + pseudocount * bg[b]) / sum) - std::log(bg[b]);
    out.scores.push_back(col);
  }
  return out;
}

Pssm ReverseComplement(const Pssm& pssm) {
  Pssm rc = pssm;
  rc.strand = pssm.strand == '+' ? '-' : '+';
  const std::size_t w = pssm.width();
  for (std::size_t j = 0; j < w; ++j) {
    for (int b = 0; b < 4; ++b) rc.scores[j][b] = pssm.scores[w - 1 - j][3 - b];
  }
  return rc;
}

double ThresholdFromPValue(const Pssm& pssm, const Background& bg, double p) {
  if (!(p > 0 && p <= 1)) {
    throw Error(ErrorCode::kInvalidArgument, "p-value " + std::to_string(p) + " outside (0, 1]");
  }
  const std::size_t w = pssm.width();
  // Integer scores, rounded half away from zero; each column shifted by its
  // minimum so the distribution lives on [0, R].
  std::vector<std::array<long, 4>> q(w);
  long offset = 0, range = 0;
  for (std::size_t j = 0; j < w; ++j) {
    for (int b = 0; b < 4; ++b) {
      double v = kThresholdResolution * pssm.scores[j][b];
      q[j][b] = static_cast<long>(v > 0 ? v + 0.5 : v - 0.5);
    }
    long lo = *std::min_element(q[j].begin(), q[j].end());
    long hi = *std::max_element(q[j].begin(), q[j].end());
    for (int b = 0; b < 4; ++b) q[j][b] -= lo;
    offset += lo;
    range += hi - lo;
  }
  std::vector<double> dist(static_cast<std::size_t>(range) + 1, 0.0), next(dist.size());
  dist[0] = 1.0;
  long reach = 0;  // dist is zero above `reach`
  for (std::size_t j = 0; j < w; ++j) {
    long col_hi = *std::max_element(q[j].begin(), q[j].end());
    std::fill(next.begin(), next.begin() + reach + col_hi + 1, 0.0);
    for (int b = 0; b < 4; ++b) {
      const double pb = bg[b];
      double* dst = next.data() + q[j][b];
      const double* src = dist.data();
      for (long r = 0; r <= reach; ++r) dst[r] += pb * src[r];
    }
    reach += col_hi;
    std::swap(dist, next);
  }
  if (dist[static_cast<std::size_t>(range)] > p) {
    // Only the best word is rarer than p: the threshold sits half the smallest
    // gap between a column's best and second-best score below the maximum.
    double min_delta = std::numeric_limits<double>::infinity();
    for (const auto& col : pssm.scores) {
      std::array<double, 4> s = col;
      std::sort(s.begin(), s.end());
      double best = s[3];
      for (int b = 2; b >= 0; --b) {
        if (s[b] < best) {
          min_delta = std::min(min_delta, best - s[b]);
          break;
        }
      }
    }
    return pssm.MaxScore() - min_delta / 2;
  }
  double tail = dist[static_cast<std::size_t>(range)];
  for (long r = range - 1; r >= 0; --r) {
    tail += dist[static_cast<std::size_t>(r)];
    if (tail > p) return static_cast<double>(r + 1 + offset) / kThresholdResolution;
  }
  return pssm.MinScore() - 1.0;
}

}  // namespace getps
