#include "storage/region_index.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

#include "common/error.h"
#include "common/parse.h"
#include "storage/chromosome_order.h"

namespace getps {
namespace {

std::uint32_t ParsePosition(std::string_view digits, std::string_view whole) {
  std::string clean;
  for (char c : digits) {
    if (c != ',') clean.push_back(c);
  }
  std::uint32_t value = 0;
  if (!ParseUint32(clean, &value)) {
    throw Error(ErrorCode::kInvalidArgument,
                "locus '" + std::string(whole) + "': '" + std::string(digits) +
                    "' is not a position (expected chrom:start-end, 1-based)");
  }
  return value;
}

}  // namespace

Locus ParseLocus(std::string_view text) {
  Locus locus;
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    if (text.empty()) throw Error(ErrorCode::kInvalidArgument, "empty locus");
    locus.chrom = std::string(text);
    return locus;
  }
  locus.chrom = std::string(text.substr(0, colon));
  std::string_view range = text.substr(colon + 1);
  auto dash = range.find('-');
  if (locus.chrom.empty() || dash == std::string_view::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                "locus '" + std::string(text) + "': expected chrom:start-end (1-based, inclusive)");
  }
  std::uint32_t first = ParsePosition(range.substr(0, dash), text);
  std::uint32_t last = ParsePosition(range.substr(dash + 1), text);
  if (first == 0 || last < first) {
    throw Error(ErrorCode::kInvalidArgument,
                "locus '" + std::string(text) + "': need 1 <= start <= end (1-based, inclusive)");
  }
  locus.start = first - 1;
  locus.end = last;
  return locus;
}

RegionIndex RegionIndex::FromUnsorted(std::vector<Region> regions) {
  std::vector<std::size_t> order(regions.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    int c = CompareChromosomes(regions[a].chrom, regions[b].chrom);
    if (c != 0) return c < 0;
    if (regions[a].start != regions[b].start) return regions[a].start < regions[b].start;
    return regions[a].end < regions[b].end;
  });
  RegionIndex index;
  index.starts_.reserve(regions.size());
  index.ends_.reserve(regions.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Region& r = regions[order[k]];
    if (r.end <= r.start) {
      throw Error(ErrorCode::kInvalidArgument, "region " + r.chrom + ":" + std::to_string(r.start) +
                                                   "-" + std::to_string(r.end) +
                                                   " is empty (end <= start)");
    }
    if (index.chromosomes_.empty() || index.chromosomes_.back().name != r.chrom) {
      index.chromosomes_.push_back({r.chrom, static_cast<std::uint32_t>(k), 0});
    } else if (r.start < index.ends_.back()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "regions overlap: " + r.chrom + ":" + std::to_string(index.starts_.back()) + "-" +
                      std::to_string(index.ends_.back()) + " and " + r.chrom + ":" +
                      std::to_string(r.start) + "-" + std::to_string(r.end) +
                      " (0-based; merge overlapping peaks before building a store)");
    }
    ++index.chromosomes_.back().count;
    index.starts_.push_back(r.start);
    index.ends_.push_back(r.end);
  }
  return index;
}

RegionIndex RegionIndex::FromParts(std::vector<ChromosomeRange> chromosomes,
                                   std::vector<std::uint32_t> starts,
                                   std::vector<std::uint32_t> ends) {
  if (starts.size() != ends.size()) {
    throw Error(ErrorCode::kCorruption, "region table: start and end columns differ in length");
  }
  std::uint32_t next = 0;
  for (const auto& c : chromosomes) {
    if (c.first_id != next) {
      throw Error(ErrorCode::kCorruption, "region table: chromosome " + c.name +
                                              " does not start where the previous one ended");
    }
    next += c.count;
  }
  if (next != starts.size()) {
    throw Error(ErrorCode::kCorruption, "region table: chromosome counts do not add up");
  }
  RegionIndex index;
  index.chromosomes_ = std::move(chromosomes);
  index.starts_ = std::move(starts);
  index.ends_ = std::move(ends);
  return index;
}

int RegionIndex::FindChromosome(std::string_view name) const {
  for (std::size_t i = 0; i < chromosomes_.size(); ++i) {
    if (chromosomes_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int RegionIndex::ChromosomeOf(std::uint32_t id) const {
  auto it =
      std::upper_bound(chromosomes_.begin(), chromosomes_.end(), id,
                       [](std::uint32_t v, const ChromosomeRange& c) { return v < c.first_id; });
  return static_cast<int>(it - chromosomes_.begin()) - 1;
}

std::pair<std::uint32_t, std::uint32_t> RegionIndex::Overlapping(int chrom, std::uint32_t start,
                                                                 std::uint32_t end) const {
  const ChromosomeRange& c = chromosomes_.at(static_cast<std::size_t>(chrom));
  auto s0 = starts_.begin() + c.first_id, s1 = s0 + c.count;
  auto e0 = ends_.begin() + c.first_id, e1 = e0 + c.count;
  // Regions do not overlap, so ends are sorted like starts.
  auto first = std::upper_bound(e0, e1, start) - ends_.begin();
  auto last = std::lower_bound(s0, s1, end) - starts_.begin();
  if (last < first) last = first;
  return {static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(last)};
}

std::pair<std::uint32_t, std::uint32_t> RegionIndex::OverlappingFrom(int chrom, std::uint32_t start,
                                                                     std::uint32_t end,
                                                                     std::uint32_t* cursor) const {
  const ChromosomeRange& c = chromosomes_.at(static_cast<std::size_t>(chrom));
  const std::uint32_t lo = c.first_id, hi = c.first_id + c.count;
  std::uint32_t a = *cursor;
  std::uint32_t first;
  if (a < lo || a > hi || (a > lo && ends_[a - 1] > start)) {
    first = static_cast<std::uint32_t>(
        std::upper_bound(ends_.begin() + lo, ends_.begin() + hi, start) - ends_.begin());
  } else {
    // Every end in [lo, a) is <= start: gallop forward to bracket the first
    // end > start, then search the bracket.
    std::uint32_t step = 1;
    while (step <= hi - a && ends_[a + step - 1] <= start) {
      a += step;
      step *= 2;
    }
    const std::uint32_t b = step <= hi - a ? a + step : hi;
    first = static_cast<std::uint32_t>(
        std::upper_bound(ends_.begin() + a, ends_.begin() + b, start) - ends_.begin());
  }
  // A fragment overlaps a few regions: walk, then search if it spans many.
  std::uint32_t last = first;
  for (int i = 0; i < 8 && last < hi && starts_[last] < end; ++i) ++last;
  if (last < hi && starts_[last] < end)
    last = static_cast<std::uint32_t>(
        std::lower_bound(starts_.begin() + last, starts_.begin() + hi, end) - starts_.begin());
  *cursor = first;
  return {first, last};
}

std::string RegionIndex::Describe(std::uint32_t id) const {
  return chromosomes_[static_cast<std::size_t>(ChromosomeOf(id))].name + ":" +
         std::to_string(starts_[id] + 1) + "-" + std::to_string(ends_[id]);
}

}  // namespace getps
