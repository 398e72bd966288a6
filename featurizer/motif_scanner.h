// MotifScanner: finds every window of a DNA sequence whose PSSM score reaches
// the PSSM's threshold (score >= threshold; windows holding a base other than
// A, C, G, T never match; case is ignored: MOODS's rules).
//
// How: a conservative filter, then exact scoring. For each PSSM the budget is
// max score - threshold; each column's penalty (max - score of the base) is
// quantised downwards to 8 bits, two adjacent columns per table lookup (a
// dinucleotide code indexes a 16-entry table), and subtracted with unsigned
// saturation from the budget for 32 (AVX2) or 64 (AVX-512BW) positions at
// once. A lane that reaches zero cannot match (its true penalty exceeds the
// budget); blocks whose lanes are all dead stop early. Survivors are rescored
// exactly in double precision, column by column as MOODS does. The SIMD
// kernel is picked at run time; all kernels return identical matches.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "featurizer/pssm.h"

namespace getps {

// Encodes A/a -> 0, C/c -> 1, G/g -> 2, T/t -> 3, anything else -> 4.
void EncodeSequence(std::string_view sequence, std::vector<std::uint8_t>* out);

struct MotifMatch {
  std::uint32_t pssm = 0;  // index into MotifScanner::pssms()
  std::uint32_t pos = 0;   // 0-based start in the scanned sequence
  double score = 0;
};

enum class ScanKernel { kAuto, kScalar, kAvx2, kAvx512 };

// Per-thread working memory of Scan(); reuse it to avoid allocations.
struct ScanScratch {
  std::vector<std::uint8_t> dinucleotides;
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [start, end) of ACGT runs
};

class MotifScanner {
 public:
  // kAuto picks the widest kernel the CPU supports.
  explicit MotifScanner(std::vector<Pssm> pssms, ScanKernel kernel = ScanKernel::kAuto);
  ~MotifScanner();
  MotifScanner(MotifScanner&&) noexcept;

  const std::vector<Pssm>& pssms() const { return pssms_; }
  ScanKernel kernel() const { return kernel_; }

  // Appends the matches in `encoded` (see EncodeSequence) to `out`, ordered
  // by PSSM, then position. Const and thread-safe: share one scanner, give
  // each thread its own scratch.
  void Scan(std::span<const std::uint8_t> encoded, std::vector<MotifMatch>* out,
            ScanScratch* scratch) const;

  struct Plan;  // per-PSSM filter tables (motif_scanner.cc)

 private:
  std::vector<Pssm> pssms_;
  std::vector<Plan> plans_;
  ScanKernel kernel_;
};

const char* ScanKernelName(ScanKernel kernel);

}  // namespace getps
