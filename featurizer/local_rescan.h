// LocalRescanner: the motif matches of a person's sequences of a region
// without scanning all of them. A match that overlaps none of a sequence's
// edits is one of the reference's, moved by the indels before it; only
// the bases within a motif's width of an edit are scanned again, and the
// windows of many sequences go to the scanner as one sequence (joined by
// an N, which no match crosses), so short windows do not each pay the
// scanner's per-motif cost. Gives exactly the matches of scanning each
// whole edited sequence (tests/local_rescan_test.cc checks that on random
// edits).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "featurizer/haplotype.h"
#include "featurizer/motif_scanner.h"

namespace getps {

// One edited sequence of a region: ApplyEdits made `sequence` of region
// [start, end) from `edits` with `fits`. The views must outlive the call.
struct EditedSequence {
  std::int64_t start = 0, end = 0;
  std::span<const SequenceEdit* const> edits;
  std::span<const EditFit> fits;
  std::string_view sequence;
};

struct LocalRescanScratch {
  std::string joined;
  std::vector<std::uint8_t> encoded;
  std::vector<MotifMatch> found;
  ScanScratch scan;
};

class LocalRescanner {
 public:
  // `scanner` must outlive this.
  explicit LocalRescanner(const MotifScanner& scanner);

  // out[i]: the matches (positions relative to the sequence's start) of
  // sequences[i], all edited from the same region, whose reference bases
  // have the matches `reference`. Const and thread-safe with one scratch
  // per thread.
  void Scan(std::span<const MotifMatch> reference, std::span<const EditedSequence> sequences,
            std::vector<std::vector<MotifMatch>>* out, LocalRescanScratch* scratch) const;

 private:
  const MotifScanner& scanner_;
  std::int64_t widest_ = 0;
};

}  // namespace getps
