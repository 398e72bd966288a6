// A person's sequence of one region: the reference bases with their variant
// alleles applied. Each allele is a SequenceEdit in reference coordinates
// (the bases it replaces and what it puts there), trimmed of the bases REF
// and ALT share, so an insertion replaces nothing and a deletion puts
// nothing. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace getps {

struct SequenceEdit {
  std::int64_t pos = 0;          // 0-based reference position of the first replaced base
  std::uint32_t ref_length = 0;  // bases replaced; 0: an insertion before `pos`
  std::string alt;               // the bases put in their place (empty: a deletion)

  std::int64_t end() const { return pos + ref_length; }
};

// Whether two bases are the same letter, ignoring case.
bool SameBase(char a, char b);

// The edit of VCF allele `alt` against `ref` at 0-based `pos`: the shared
// suffix, then the shared prefix, trimmed (so "A" -> "AT" at 99 is an
// insertion of "T" before 100). Bases are compared ignoring case.
SequenceEdit EditOf(std::int64_t pos, std::string_view ref, std::string_view alt);

// How an edit met the region it was applied to.
enum class EditFit {
  kApplied,          // inside the region (a deletion may be clipped to it)
  kOutside,          // it changes no base of the region
  kCrossesBoundary,  // a substitution or insertion reaching past the region's ends
  kOverlapsEarlier,  // it overlaps an edit applied before it on this sequence
};

// What ApplyEdits would make of `e` alone in region [start, end).
EditFit FitOf(const SequenceEdit& e, std::int64_t start, std::int64_t end);

// The bases of region [start, start + reference.size()) with `edits` (sorted
// by pos) applied; fits[i] says what became of edits[i]. An insertion is
// inside when it falls strictly between two of the region's bases; a
// deletion reaching past an end deletes the region's part of it.
std::string ApplyEdits(std::string_view reference, std::int64_t start,
                       std::span<const SequenceEdit* const> edits, std::vector<EditFit>* fits);

}  // namespace getps
