#include "featurizer/local_rescan.h"

#include <algorithm>
#include <cstdint>

namespace getps {
namespace {

// One applied edit: the reference bases it replaced, [from, to), and the
// person's bases that took their place, [a, b), both relative to the
// region's start. An insertion has from == to, a deletion a == b.
struct Change {
  std::int64_t from, to, a, b;
};

// Whether [pos, pos + width) overlaps [lo, hi), or, when that span is empty,
// holds both bases around the point lo.
bool Touches(std::int64_t pos, std::int64_t width, std::int64_t lo, std::int64_t hi) {
  return hi > lo ? pos < hi && lo < pos + width : pos < lo && lo < pos + width;
}

std::vector<Change> Changes(const EditedSequence& s) {
  std::vector<Change> out;
  std::int64_t shift = 0;
  for (std::size_t i = 0; i < s.edits.size(); ++i) {
    if (s.fits[i] != EditFit::kApplied) continue;
    const SequenceEdit& e = *s.edits[i];
    const std::int64_t from = std::max(e.pos, s.start) - s.start;
    const std::int64_t to = e.ref_length ? std::min(e.end(), s.end) - s.start : from;
    const std::int64_t a = from + shift, b = a + static_cast<std::int64_t>(e.alt.size());
    out.push_back({from, to, a, b});
    shift += (b - a) - (to - from);
  }
  return out;
}

// A window of one sequence, placed at `offset` in the joined sequence.
struct Window {
  std::size_t sequence;
  std::int64_t lo, hi, offset;
};

}  // namespace

LocalRescanner::LocalRescanner(const MotifScanner& scanner) : scanner_(scanner) {
  for (const Pssm& p : scanner.pssms())
    widest_ = std::max(widest_, static_cast<std::int64_t>(p.width()));
}

void LocalRescanner::Scan(std::span<const MotifMatch> reference,
                          std::span<const EditedSequence> sequences,
                          std::vector<std::vector<MotifMatch>>* out,
                          LocalRescanScratch* scratch) const {
  const auto& pssms = scanner_.pssms();
  out->assign(sequences.size(), {});
  std::vector<std::vector<Change>> changes(sequences.size());
  std::vector<Window> windows;
  scratch->joined.clear();
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    changes[s] = Changes(sequences[s]);
    // The reference's matches away from every edit, moved by the edits before.
    for (const MotifMatch& m : reference) {
      const auto width = static_cast<std::int64_t>(pssms[m.pssm].width());
      std::int64_t shift = 0;
      bool touched = false;
      for (const Change& c : changes[s]) {
        touched |= Touches(m.pos, width, c.from, c.to);
        if (c.to <= m.pos) shift += (c.b - c.a) - (c.to - c.from);
      }
      if (!touched)
        (*out)[s].push_back({m.pssm, static_cast<std::uint32_t>(m.pos + shift), m.score});
    }
    // The bases within a motif's width of an edit, windows merged.
    const auto length = static_cast<std::int64_t>(sequences[s].sequence.size());
    const auto& cs = changes[s];
    for (std::size_t i = 0; i < cs.size();) {
      const std::int64_t lo = std::max<std::int64_t>(0, cs[i].a - widest_ + 1);
      std::int64_t hi = std::min(length, cs[i].b + widest_ - 1);
      for (++i; i < cs.size() && cs[i].a - widest_ + 1 < hi; ++i)
        hi = std::max(hi, std::min(length, cs[i].b + widest_ - 1));
      if (hi <= lo) continue;
      windows.push_back({s, lo, hi, static_cast<std::int64_t>(scratch->joined.size())});
      scratch->joined.append(sequences[s].sequence.substr(static_cast<std::size_t>(lo),
                                                          static_cast<std::size_t>(hi - lo)));
      scratch->joined += 'N';  // no match holds an N, so none crosses into the next window
    }
  }
  if (windows.empty()) return;
  EncodeSequence(scratch->joined, &scratch->encoded);
  scratch->found.clear();
  scanner_.Scan(scratch->encoded, &scratch->found, &scratch->scan);
  // Each match to its window (windows are in joined order), kept if it
  // touches an edit of its sequence.
  for (const MotifMatch& m : scratch->found) {
    const auto at = static_cast<std::int64_t>(m.pos);
    const auto w = std::upper_bound(windows.begin(), windows.end(), at,
                                    [](std::int64_t p, const Window& x) { return p < x.offset; }) -
                   1;
    const std::int64_t pos = at - w->offset + w->lo;
    const auto width = static_cast<std::int64_t>(pssms[m.pssm].width());
    const auto& cs = changes[w->sequence];
    if (std::any_of(cs.begin(), cs.end(),
                    [&](const Change& c) { return Touches(pos, width, c.a, c.b); }))
      (*out)[w->sequence].push_back({m.pssm, static_cast<std::uint32_t>(pos), m.score});
  }
}

}  // namespace getps
