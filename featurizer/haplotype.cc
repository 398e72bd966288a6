#include "featurizer/haplotype.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace getps {

bool SameBase(char a, char b) {
  return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
}

EditFit FitOf(const SequenceEdit& e, std::int64_t start, std::int64_t end) {
  if (e.ref_length == 0) {  // an insertion before e.pos
    if (e.pos <= start || e.pos >= end) return EditFit::kOutside;
    return EditFit::kApplied;
  }
  if (e.end() <= start || e.pos >= end) return EditFit::kOutside;
  const bool inside = e.pos >= start && e.end() <= end;
  if (inside || e.alt.empty()) return EditFit::kApplied;
  return EditFit::kCrossesBoundary;
}

SequenceEdit EditOf(std::int64_t pos, std::string_view ref, std::string_view alt) {
  std::size_t suffix = 0;
  while (suffix < ref.size() && suffix < alt.size() &&
         SameBase(ref[ref.size() - 1 - suffix], alt[alt.size() - 1 - suffix]))
    ++suffix;
  ref.remove_suffix(suffix);
  alt.remove_suffix(suffix);
  std::size_t prefix = 0;
  while (prefix < ref.size() && prefix < alt.size() && SameBase(ref[prefix], alt[prefix])) ++prefix;
  return {pos + static_cast<std::int64_t>(prefix), static_cast<std::uint32_t>(ref.size() - prefix),
          std::string(alt.substr(prefix))};
}

std::string ApplyEdits(std::string_view reference, std::int64_t start,
                       std::span<const SequenceEdit* const> edits, std::vector<EditFit>* fits) {
  const std::int64_t end = start + static_cast<std::int64_t>(reference.size());
  fits->assign(edits.size(), EditFit::kOutside);
  std::string out;
  out.reserve(reference.size() + 64);
  std::int64_t copied = start;  // reference bases before this are in `out` (or deleted)
  bool inserted_here = false;   // an insertion was applied before base `copied`
  for (std::size_t i = 0; i < edits.size(); ++i) {
    const SequenceEdit& e = *edits[i];
    EditFit fit = FitOf(e, start, end);
    if (fit == EditFit::kApplied) {
      const bool overlaps = e.ref_length == 0 ? e.pos < copied || (e.pos == copied && inserted_here)
                                              : std::max(e.pos, start) < copied;
      if (overlaps) fit = EditFit::kOverlapsEarlier;
    }
    (*fits)[i] = fit;
    if (fit != EditFit::kApplied) continue;
    const std::int64_t from = std::max(e.pos, start);
    out.append(reference.substr(static_cast<std::size_t>(copied - start),
                                static_cast<std::size_t>(from - copied)));
    out += e.alt;
    copied = std::max(std::min(e.end(), end), from);
    inserted_here = e.ref_length == 0;
  }
  out.append(reference.substr(static_cast<std::size_t>(copied - start)));
  return out;
}

}  // namespace getps
