#include "featurizer/pssm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/random.h"

namespace getps {
namespace {

Motif RandomMotif(Rng& rng, std::size_t width) {
  Motif m;
  m.name = "r";
  for (std::size_t j = 0; j < width; ++j) {
    std::array<double, 4> row;
    double sum = 0;
    for (auto& v : row) sum += (v = rng.Uniform() < 0.3 ? 0.0 : rng.Uniform());
    if (sum == 0) row = {1, 0, 0, 0}, sum = 1;
    for (auto& v : row) v /= sum;
    m.probs.push_back(row);
  }
  return m;
}

TEST(Pssm, LogOddsFormula) {
  Motif m;
  m.probs = {{1, 0, 0, 0}};
  Background bg = {0.3, 0.2, 0.2, 0.3};
  Pssm p = LogOdds(m, bg, 0.01);
  EXPECT_NEAR(p.scores[0][0], std::log((1 + 0.003) / 1.01) - std::log(0.3), 1e-12);
  EXPECT_NEAR(p.scores[0][1], std::log(0.002 / 1.01) - std::log(0.2), 1e-12);
  Pssm rc = ReverseComplement(LogOdds(RandomMotif(*std::make_unique<Rng>(3), 5), bg, 0.01));
  EXPECT_EQ(rc.strand, '-');
}

TEST(Pssm, ReverseComplementScoresTheReverseComplementWord) {
  Rng rng(11);
  Pssm p = LogOdds(RandomMotif(rng, 6), {0.25, 0.25, 0.25, 0.25}, 0.01);
  Pssm rc = ReverseComplement(p);
  // word ACGTTA on + equals its reverse complement TAACGT on the rc matrix.
  const int word[6] = {0, 1, 2, 3, 3, 0};
  double fwd = 0, rev = 0;
  for (int j = 0; j < 6; ++j) fwd += p.scores[j][word[j]];
  for (int j = 0; j < 6; ++j) rev += rc.scores[j][3 - word[5 - j]];
  EXPECT_NEAR(fwd, rev, 1e-12);
}

// Brute force: enumerate all 4^w words with the same integer rounding. The
// threshold is one integer step above the highest attained score whose upper
// tail (itself included) exceeds p: the smallest integer t with P(S >= t) <= p.
double BruteForceThreshold(const Pssm& p, const Background& bg, double pvalue) {
  const std::size_t w = p.width();
  std::map<long, double> dist;
  const std::size_t words = std::size_t{1} << (2 * w);
  for (std::size_t code = 0; code < words; ++code) {
    long s = 0;
    double prob = 1;
    for (std::size_t j = 0; j < w; ++j) {
      const int b = static_cast<int>((code >> (2 * j)) & 3);
      const double v = kThresholdResolution * p.scores[j][b];
      s += static_cast<long>(v > 0 ? v + 0.5 : v - 0.5);
      prob *= bg[b];
    }
    dist[s] += prob;
  }
  double tail = 0;
  for (auto it = dist.rbegin(); it != dist.rend(); ++it) {
    tail += it->second;
    if (tail > pvalue) {
      if (it == dist.rbegin()) return NAN;  // only the best word is rarer than p: special rule
      return static_cast<double>(it->first + 1) / kThresholdResolution;
    }
  }
  return NAN;
}

TEST(Pssm, ThresholdEqualsBruteForceEnumeration) {
  Rng rng(5);
  const Background bg = {0.3, 0.2, 0.2, 0.3};
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Pssm p = LogOdds(RandomMotif(rng, 4 + trial % 5), bg, 0.01);
    for (double pv : {1e-2, 1e-3, 1e-4}) {
      const double want = BruteForceThreshold(p, bg, pv);
      if (std::isnan(want)) continue;
      EXPECT_DOUBLE_EQ(ThresholdFromPValue(p, bg, pv), want) << "trial " << trial << " p " << pv;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(Pssm, ThresholdBelowTheMaximumWhenOnlyTheBestWordIsRareEnough) {
  Motif m;
  m.probs = {{1, 0, 0, 0}, {0, 1, 0, 0}};
  Pssm p = LogOdds(m, {0.25, 0.25, 0.25, 0.25}, 0.01);
  const double t =
      ThresholdFromPValue(p, {0.25, 0.25, 0.25, 0.25}, 1e-4);  // best word has P = 1/16
  EXPECT_LT(t, p.MaxScore());
  EXPECT_GT(t, p.MaxScore() - 6.0);  // half the best/second-best gap (~6) below the max
}

}  // namespace
}  // namespace getps
