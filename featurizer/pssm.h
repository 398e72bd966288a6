// Pssm: a motif's log-odds scoring matrix, and the two numbers that define
// a match: the background and the score threshold for a p-value.
//
// Definitions (those of MOODS, so results can be compared with it):
//   score[j][b] = ln((P[j][b] + ps * bg[b]) / sum_c (P[j][c] + ps * bg[c])) - ln(bg[b])
//   threshold(p): scores are rounded to integers at resolution 1/2000 and the
//   exact distribution of their sum under the 0-order background is computed
//   by dynamic programming; the threshold is the smallest integer score t/2000
//   with P(score >= t) <= p. (If even the maximum score is more likely than
//   p, the threshold sits just below the maximum.)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "featurizer/motif.h"

namespace getps {

using Background = std::array<double, 4>;  // P(A), P(C), G, T; sums to 1

struct Pssm {
  std::string name;
  std::vector<std::array<double, 4>> scores;  // [position][A, C, G, T]
  double threshold = 0;
  char strand = '+';  // '-': the reverse complement of the motif
  std::size_t width() const { return scores.size(); }
  double MaxScore() const;
  double MinScore() const;
};

inline constexpr double kDefaultPseudocount = 0.01;
inline constexpr double kThresholdResolution = 2000.0;

// Background from base counts (A, C, G, T): (count + ps) / (total + 4 ps).
Background BackgroundFromCounts(const std::array<std::uint64_t, 4>& counts,
                                double pseudocount = 1.0);

Pssm LogOdds(const Motif& motif, const Background& bg, double pseudocount = kDefaultPseudocount);
Pssm ReverseComplement(const Pssm& pssm);

// The p-value threshold defined above. Throws Error(kInvalidArgument) for p
// outside (0, 1].
double ThresholdFromPValue(const Pssm& pssm, const Background& bg, double p);

// The chance under `bg` that a random word scores the motif's maximum: the
// smallest p-value any match can have. A motif with BestWordPValue > p
// cannot reach p; it then matches wherever its best words occur.
double BestWordPValue(const Pssm& pssm, const Background& bg);

}  // namespace getps
