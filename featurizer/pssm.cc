#include "featurizer/pssm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

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

double BestWordPValue(const Pssm& pssm, const Background& bg) {
  double p = 1;
  for (const auto& column : pssm.scores) {
    const double best = *std::max_element(column.begin(), column.end());
    double mass = 0;
    for (int b = 0; b < 4; ++b)
      if (column[b] == best) mass += bg[b];
    p *= mass;
  }
  return p;
}

namespace {

// A PSSM's scores as integers at `resolution` steps per unit, rounded half
// away from zero, each column shifted by its minimum so that a word's score is an
// integer in [0, range] plus `offset`.
struct IntegerScores {
  std::vector<std::array<long, 4>> q;
  std::vector<long> suffix;  // suffix[j]: the most columns j.. can add; suffix[w] = 0
  long offset = 0;
  long range = 0;
  long pad = 0;  // the largest column maximum
};

IntegerScores Quantise(const Pssm& pssm, double resolution) {
  IntegerScores s;
  const std::size_t w = pssm.width();
  s.q.resize(w);
  s.suffix.assign(w + 1, 0);
  for (std::size_t j = 0; j < w; ++j) {
    for (int b = 0; b < 4; ++b) {
      const double v = resolution * pssm.scores[j][b];
      s.q[j][b] = static_cast<long>(v > 0 ? v + 0.5 : v - 0.5);
    }
    const long lo = *std::min_element(s.q[j].begin(), s.q[j].end());
    for (int b = 0; b < 4; ++b) s.q[j][b] -= lo;
    s.suffix[j] = *std::max_element(s.q[j].begin(), s.q[j].end());  // this column's maximum
    s.offset += lo;
    s.pad = std::max(s.pad, s.suffix[j]);
  }
  for (std::size_t j = w; j-- > 0;) s.suffix[j] += s.suffix[j + 1];
  s.range = s.suffix[0];
  return s;
}

// out[r] = sum_b bg[b] * in[r - q[b]] for r in [lo, top], b in order A, C,
// G, T: the terms and their order of the full programme's four passes (an
// absent term there is a zero here, and x + 0 = x). `in` and `out` do not
// overlap, which lets the compiler vectorise the loop (an AVX2 clone where
// the CPU has it: no FMA, so each term is rounded as in the full programme).
__attribute__((target_clones("avx2", "default"))) void AddColumn(const double* __restrict in,
                                                                 const std::array<long, 4>& q,
                                                                 const Background& bg, long lo,
                                                                 long top, double* __restrict out) {
  const double *a = in - q[0], *c = in - q[1], *g = in - q[2], *t = in - q[3];
  const double pa = bg[0], pc = bg[1], pg = bg[2], pt = bg[3];
  for (long r = lo; r <= top; ++r) out[r] = pa * a[r] + pc * c[r] + pg * g[r] + pt * t[r];
}

// P(score = r) for every integer score r >= floor (entries below floor are
// not computed): the dynamic programme over columns, keeping only the
// partial sums that can still reach floor. Every kept entry receives the same
// terms in the same order as in the full programme (a kept partial sum's
// predecessors are kept too), so it is bit-identical to it. The result is
// indexed by r + s.pad.
std::vector<double> UpperDistribution(const IntegerScores& s, const Background& bg, long floor) {
  const std::size_t size = static_cast<std::size_t>(s.pad + s.range + 1);
  std::vector<double> dist(size, 0.0), next(size, 0.0);
  double* const d0 = dist.data() + s.pad;  // index r; [-pad, 0) stays zero
  double* n0 = next.data() + s.pad;
  double* cur = d0;
  cur[0] = 1.0;
  long reach = 0;
  for (std::size_t j = 0; j < s.q.size(); ++j) {
    const auto& q = s.q[j];
    const long top = reach + (s.suffix[j] - s.suffix[j + 1]);
    const long lo = std::max(0L, floor - s.suffix[j + 1]);
    // Reads above `reach` see zeros: that part of the buffer was never
    // written, or was written by a column whose reach was lower still.
    AddColumn(cur, q, bg, lo, top, n0);
    std::swap(cur, n0);
    reach = top;
  }
  if (cur != d0) dist.swap(next);
  return dist;
}

// The highest integer score r >= floor with P(score >= r) > p, or nullopt
// when the tail above floor holds no more than p.
std::optional<long> LastScoreAbove(const std::vector<double>& dist, const IntegerScores& s,
                                   long floor, double p) {
  const double* at = dist.data() + s.pad;
  double tail = 0;
  for (long r = s.range; r >= floor; --r)
    if ((tail += at[r]) > p) return r;
  return std::nullopt;
}

// A floor below the threshold from the same programme at 1/100 of the
// resolution (about 1 % of the work): each column's rounding moves a score
// by at most half a step at either resolution, so a word at or above the
// coarse level is at or above the returned fine level.
long FloorFromCoarseProgramme(const Pssm& pssm, const Background& bg, double p,
                              const IntegerScores& fine) {
  constexpr double kCoarsening = 100;
  const IntegerScores coarse = Quantise(pssm, kThresholdResolution / kCoarsening);
  const std::optional<long> level = LastScoreAbove(UpperDistribution(coarse, bg, 0), coarse, 0, p);
  if (!level) return 0;
  const double slack = (kCoarsening + 1) * static_cast<double>(pssm.width()) / 2 + 1;
  const double floor = kCoarsening * static_cast<double>(*level + coarse.offset) - slack;
  return std::clamp(static_cast<long>(std::floor(floor)) - fine.offset, 0L, fine.range);
}

// Below the maximum by half the smallest gap between a column's best and
// second-best score: the threshold when only the best word is rarer than p.
double JustBelowTheMaximum(const Pssm& pssm) {
  double min_delta = std::numeric_limits<double>::infinity();
  for (const auto& col : pssm.scores) {
    std::array<double, 4> sorted = col;
    std::sort(sorted.begin(), sorted.end());
    for (int b = 2; b >= 0; --b) {
      if (sorted[b] < sorted[3]) {
        min_delta = std::min(min_delta, sorted[3] - sorted[b]);
        break;
      }
    }
  }
  return pssm.MaxScore() - min_delta / 2;
}

}  // namespace

double ThresholdFromPValue(const Pssm& pssm, const Background& bg, double p) {
  if (!(p > 0 && p <= 1)) {
    throw Error(ErrorCode::kInvalidArgument, "p-value " + std::to_string(p) + " outside (0, 1]");
  }
  const IntegerScores s = Quantise(pssm, kThresholdResolution);
  // The threshold of a small p sits near the top (a median 12 % of the range
  // below it for the Vierstra motifs at 1e-4): the exact programme runs only
  // above a floor taken from a coarse one. Should the tail above it hold no
  // more than p (rounding in the sums), the floor drops to the bottom.
  for (long floor = FloorFromCoarseProgramme(pssm, bg, p, s);; floor = 0) {
    const std::vector<double> dist = UpperDistribution(s, bg, floor);
    if (dist[static_cast<std::size_t>(s.pad + s.range)] > p) return JustBelowTheMaximum(pssm);
    if (const auto r = LastScoreAbove(dist, s, floor, p))
      return static_cast<double>(*r + 1 + s.offset) / kThresholdResolution;
    if (floor == 0) return pssm.MinScore() - 1.0;
  }
}

}  // namespace getps
