#include "featurizer/motif_scanner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/error.h"

namespace getps {

// Filter plan of one PSSM: lookups in the order that kills lanes fastest.
struct MotifScanner::Plan {
  struct Lookup {
    std::uint32_t column = 0;                 // first of the (one or two) columns
    alignas(64) std::uint8_t table[64] = {};  // 16 entries, repeated 4 times
  };
  std::vector<Lookup> lookups;
  std::uint8_t start = 0;  // quantised budget + 1; a lane is dead at 0
  bool never = false;      // threshold above the maximum score
  std::uint32_t width = 0;
};

namespace {

constexpr std::size_t kPad = 128;  // zero bytes after the dinucleotide codes

MotifScanner::Plan MakePlan(const Pssm& p, const std::array<double, 4>& bg) {
  MotifScanner::Plan plan;
  plan.width = static_cast<std::uint32_t>(p.width());
  const double budget = p.MaxScore() - p.threshold;
  if (budget < 0 || p.width() == 0) {
    plan.never = true;
    return plan;
  }
  // 254 quantisation steps cover the budget; one extra step absorbs rounding.
  const double scale = 253.0 / std::max(budget, 1e-9);
  plan.start = static_cast<std::uint8_t>(std::min(254.0, std::floor(budget * scale)) + 2);
  std::vector<std::array<std::uint8_t, 4>> pen(p.width());
  std::vector<double> expected(p.width(), 0.0);
  for (std::size_t j = 0; j < p.width(); ++j) {
    const double best = *std::max_element(p.scores[j].begin(), p.scores[j].end());
    for (int b = 0; b < 4; ++b) {
      const double penalty = (best - p.scores[j][b]) * scale;
      pen[j][b] = static_cast<std::uint8_t>(std::min(255.0, std::floor(penalty)));
      expected[j] += bg[b] * pen[j][b];
    }
  }
  for (std::size_t j = 0; j < p.width(); j += 2) {
    MotifScanner::Plan::Lookup l;
    l.column = static_cast<std::uint32_t>(j);
    for (int a = 0; a < 4; ++a) {
      for (int b = 0; b < 4; ++b) {
        int v = pen[j][a] + (j + 1 < p.width() ? pen[j + 1][b] : 0);
        for (int rep = 0; rep < 4; ++rep)
          l.table[rep * 16 + a * 4 + b] = static_cast<std::uint8_t>(std::min(v, 255));
      }
    }
    plan.lookups.push_back(l);
  }
  // Most expected penalty first.
  auto weight = [&](const MotifScanner::Plan::Lookup& l) {
    return expected[l.column] + (l.column + 1 < p.width() ? expected[l.column + 1] : 0.0);
  };
  std::stable_sort(plan.lookups.begin(), plan.lookups.end(),
                   [&](const auto& x, const auto& y) { return weight(x) > weight(y); });
  return plan;
}

// Exact score of the window at `pos`, or false if it holds a non-ACGT base.
inline bool ExactScore(const Pssm& p, const std::uint8_t* seq, double* score) {
  double s = 0;
  for (std::size_t j = 0; j < p.width(); ++j) {
    const std::uint8_t b = seq[j];
    if (b > 3) return false;
    s += p.scores[j][b];
  }
  *score = s;
  return true;
}

inline void Confirm(const Pssm& p, std::uint32_t index, const std::uint8_t* seq, std::uint32_t pos,
                    std::vector<MotifMatch>* out) {
  double s;
  if (ExactScore(p, seq + pos, &s) && s >= p.threshold) out->push_back({index, pos, s});
}

void ScanScalar(const Pssm& p, const MotifScanner::Plan& plan, std::uint32_t index,
                const std::uint8_t* seq, const std::uint8_t* dinuc, std::uint32_t positions,
                std::vector<MotifMatch>* out) {
  for (std::uint32_t pos = 0; pos < positions; ++pos) {
    int acc = plan.start;
    for (const auto& l : plan.lookups) {
      acc -= l.table[dinuc[pos + l.column]];
      if (acc <= 0) break;
    }
    if (acc > 0) Confirm(p, index, seq, pos, out);
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void ScanAvx2(const Pssm& p, const MotifScanner::Plan& plan,
                                              std::uint32_t index, const std::uint8_t* seq,
                                              const std::uint8_t* dinuc, std::uint32_t positions,
                                              std::vector<MotifMatch>* out) {
  const __m256i start = _mm256_set1_epi8(static_cast<char>(plan.start));
  const __m256i zero = _mm256_setzero_si256();
  const std::size_t n = plan.lookups.size();
  for (std::uint32_t pos = 0; pos < positions; pos += 32) {
    __m256i acc = start;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& l = plan.lookups[k];
      const __m256i codes =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dinuc + pos + l.column));
      const __m256i table = _mm256_load_si256(reinterpret_cast<const __m256i*>(l.table));
      acc = _mm256_subs_epu8(acc, _mm256_shuffle_epi8(table, codes));
      // Checking for an all-dead block costs a hard-to-predict branch: only
      // every 8th lookup is worth it (measured: 0.29 s vs 0.61 s per lookup).
      if ((k & 7) == 7 && _mm256_testz_si256(acc, acc)) break;
    }
    auto alive = static_cast<std::uint32_t>(~_mm256_movemask_epi8(_mm256_cmpeq_epi8(acc, zero)));
    if (positions - pos < 32) alive &= (1u << (positions - pos)) - 1;
    while (alive) {
      const std::uint32_t lane = static_cast<std::uint32_t>(__builtin_ctz(alive));
      alive &= alive - 1;
      Confirm(p, index, seq, pos + lane, out);
    }
  }
}

__attribute__((target("avx512f,avx512bw"))) void ScanAvx512(
    const Pssm& p, const MotifScanner::Plan& plan, std::uint32_t index, const std::uint8_t* seq,
    const std::uint8_t* dinuc, std::uint32_t positions, std::vector<MotifMatch>* out) {
  const __m512i start = _mm512_set1_epi8(static_cast<char>(plan.start));
  const std::size_t n = plan.lookups.size();
  for (std::uint32_t pos = 0; pos < positions; pos += 64) {
    __m512i acc = start;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& l = plan.lookups[k];
      const __m512i codes = _mm512_loadu_si512(dinuc + pos + l.column);
      const __m512i table = _mm512_load_si512(l.table);
      acc = _mm512_subs_epu8(acc, _mm512_shuffle_epi8(table, codes));
      if ((k & 7) == 7 && _mm512_test_epi8_mask(acc, acc) == 0) break;
    }
    std::uint64_t alive = _mm512_test_epi8_mask(acc, acc);
    if (positions - pos < 64) alive &= (std::uint64_t{1} << (positions - pos)) - 1;
    while (alive) {
      const auto lane = static_cast<std::uint32_t>(__builtin_ctzll(alive));
      alive &= alive - 1;
      Confirm(p, index, seq, pos + lane, out);
    }
  }
}
#endif

ScanKernel BestKernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f"))
    return ScanKernel::kAvx512;
  if (__builtin_cpu_supports("avx2")) return ScanKernel::kAvx2;
#endif
  return ScanKernel::kScalar;
}

}  // namespace

const char* ScanKernelName(ScanKernel kernel) {
  switch (kernel) {
    case ScanKernel::kAuto:
      return "auto";
    case ScanKernel::kScalar:
      return "scalar";
    case ScanKernel::kAvx2:
      return "avx2";
    case ScanKernel::kAvx512:
      return "avx512bw";
  }
  return "?";
}

void EncodeSequence(std::string_view sequence, std::vector<std::uint8_t>* out) {
  out->resize(sequence.size());
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    switch (sequence[i]) {
      case 'A':
      case 'a':
        (*out)[i] = 0;
        break;
      case 'C':
      case 'c':
        (*out)[i] = 1;
        break;
      case 'G':
      case 'g':
        (*out)[i] = 2;
        break;
      case 'T':
      case 't':
        (*out)[i] = 3;
        break;
      default:
        (*out)[i] = 4;
    }
  }
}

MotifScanner::MotifScanner(std::vector<Pssm> pssms, ScanKernel kernel) : pssms_(std::move(pssms)) {
  const ScanKernel best = BestKernel();
  kernel_ = kernel == ScanKernel::kAuto ? best : kernel;
  if (static_cast<int>(kernel_) > static_cast<int>(best)) {
    throw Error(ErrorCode::kInvalidArgument, std::string("scan kernel ") + ScanKernelName(kernel_) +
                                                 " is not supported by this CPU");
  }
  const std::array<double, 4> flat = {0.25, 0.25, 0.25, 0.25};
  for (const auto& p : pssms_) plans_.push_back(MakePlan(p, flat));
}

MotifScanner::~MotifScanner() = default;
MotifScanner::MotifScanner(MotifScanner&&) noexcept = default;

void MotifScanner::Scan(std::span<const std::uint8_t> seq, std::vector<MotifMatch>* out,
                        ScanScratch* scratch) const {
  const std::size_t n = seq.size();
  // Dinucleotide codes 4 * b[i] + b[i+1]; other bases count as A here: the
  // filter may then keep a window it could have dropped, and the exact pass
  // rejects every window holding such a base.
  auto& d = scratch->dinucleotides;
  d.assign(n + kPad, 0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    d[i] = static_cast<std::uint8_t>(4 * (seq[i] & 3 & -(seq[i] < 4)) +
                                     (seq[i + 1] & 3 & -(seq[i + 1] < 4)));
  }
  if (n) d[n - 1] = static_cast<std::uint8_t>(4 * (seq[n - 1] < 4 ? seq[n - 1] : 0));
  // Windows holding a non-ACGT base never match: scan only the ACGT runs.
  std::vector<std::pair<std::size_t, std::size_t>>& runs = scratch->runs;
  runs.clear();
  for (std::size_t i = 0; i < n;) {
    while (i < n && seq[i] > 3) ++i;
    const std::size_t start = i;
    while (i < n && seq[i] <= 3) ++i;
    if (i > start) runs.emplace_back(start, i);
  }
  for (std::size_t m = 0; m < pssms_.size(); ++m) {
    const Plan& plan = plans_[m];
    if (plan.never) continue;
    const auto index = static_cast<std::uint32_t>(m);
    for (const auto& [start, end] : runs) {
      if (end - start < plan.width) continue;
      const auto positions = static_cast<std::uint32_t>(end - start - plan.width + 1);
      const std::size_t first = out->size();
      const std::uint8_t* s = seq.data() + start;
      const std::uint8_t* dn = d.data() + start;
      switch (kernel_) {
#if defined(__x86_64__)
        case ScanKernel::kAvx512:
          ScanAvx512(pssms_[m], plan, index, s, dn, positions, out);
          break;
        case ScanKernel::kAvx2:
          ScanAvx2(pssms_[m], plan, index, s, dn, positions, out);
          break;
#endif
        default:
          ScanScalar(pssms_[m], plan, index, s, dn, positions, out);
      }
      for (std::size_t k = first; k < out->size(); ++k)
        (*out)[k].pos += static_cast<std::uint32_t>(start);
    }
  }
}

}  // namespace getps
