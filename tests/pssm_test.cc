#include "featurizer/pssm.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The threshold programme as first written (the whole distribution, four
// passes per column): the pruned one in pssm.cc must agree with it exactly.
double FullProgrammeThreshold(const Pssm& pssm, const Background& bg, double p) {
  std::vector<std::array<long, 4>> q(pssm.width());
  long offset = 0, range = 0;
  for (std::size_t j = 0; j < q.size(); ++j) {
    for (int b = 0; b < 4; ++b) {
      const double v = kThresholdResolution * pssm.scores[j][b];
      q[j][b] = static_cast<long>(v > 0 ? v + 0.5 : v - 0.5);
    }
    const long lo = *std::min_element(q[j].begin(), q[j].end());
    for (auto& v : q[j]) v -= lo;
    offset += lo;
    range += *std::max_element(q[j].begin(), q[j].end());
  }
  std::vector<double> dist(range + 1, 0.0), next(range + 1);
  dist[0] = 1;
  long reach = 0;
  for (const auto& col : q) {
    const long hi = *std::max_element(col.begin(), col.end());
    std::fill(next.begin(), next.begin() + reach + hi + 1, 0.0);
    for (int b = 0; b < 4; ++b)
      for (long r = 0; r <= reach; ++r) next[r + col[b]] += bg[b] * dist[r];
    reach += hi;
    std::swap(dist, next);
  }
  if (dist[range] > p) return std::nan("best word");  // the gap rule, tested elsewhere
  double tail = dist[range];
  for (long r = range - 1; r >= 0; --r)
    if ((tail += dist[r]) > p) return static_cast<double>(r + 1 + offset) / kThresholdResolution;
  return pssm.MinScore() - 1.0;
}

TEST(Pssm, PrunedThresholdProgrammeEqualsTheFullOne) {
  Rng rng(5);
  const Background skewed{0.32, 0.18, 0.21, 0.29};
  int compared = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const std::size_t width = 1 + trial % 24;
    const Background bg = trial % 2 ? skewed : Background{0.25, 0.25, 0.25, 0.25};
    const Pssm pssm = LogOdds(RandomMotif(rng, width), bg, 0.01);
    for (double p : {1e-2, 1e-4, 1e-6, 0.5, 1.0}) {
      const double full = FullProgrammeThreshold(pssm, bg, p);
      if (std::isnan(full)) continue;
      EXPECT_EQ(ThresholdFromPValue(pssm, bg, p), full) << "width " << width << ", p " << p;
      ++compared;
    }
  }
  EXPECT_GT(compared, 400);  // the gap rule takes only the narrowest motifs
}

TEST(Pssm, BestWordPValueIsTheChanceOfTheMaximumScore) {
  const Background uniform{0.25, 0.25, 0.25, 0.25};
  Motif two;
  two.probs = {{1, 0, 0, 0}, {0, 1, 0, 0}};
  EXPECT_DOUBLE_EQ(BestWordPValue(LogOdds(two, uniform), uniform), 1.0 / 16);
  Motif tie;  // A and C both score the maximum
  tie.probs = {{0.5, 0.5, 0, 0}};
  EXPECT_DOUBLE_EQ(BestWordPValue(LogOdds(tie, uniform), uniform), 0.5);
  const Background skewed{0.3, 0.2, 0.2, 0.3};  // now C, the rarer base, scores higher
  EXPECT_DOUBLE_EQ(BestWordPValue(LogOdds(tie, skewed), skewed), 0.2);
  Motif one;  // width 1 can never reach 1e-4
  one.probs = {{0, 0, 0, 1}};
  EXPECT_GT(BestWordPValue(LogOdds(one, uniform), uniform), 1e-4);
}

}  // namespace
}  // namespace getps
