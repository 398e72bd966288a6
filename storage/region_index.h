// RegionIndex: the union peak set of a store, in natural chromosome order,
// each region with a dense id. Regions are 0-based half-open [start, end),
// non-overlapping within a chromosome, and sorted by start; ids run
// chromosome by chromosome, so a chromosome owns one contiguous id range.
// Immutable once built; safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace getps {

struct Region {
  std::string chrom;
  std::uint32_t start = 0;  // 0-based
  std::uint32_t end = 0;    // exclusive
};

struct ChromosomeRange {
  std::string name;
  std::uint32_t first_id = 0;
  std::uint32_t count = 0;
};

// A locus typed by a user: "chr1:1,000-2,000" (1-based, inclusive, as in
// samtools and genome browsers) or a bare "chr1". Converted to 0-based
// half-open. Throws Error(kInvalidArgument) naming the text on bad input.
struct Locus {
  std::string chrom;
  std::uint32_t start = 0;
  std::uint32_t end = UINT32_MAX;
};
Locus ParseLocus(std::string_view text);

class RegionIndex {
 public:
  RegionIndex() = default;

  // Sorts `regions` into natural chromosome order and by start, and assigns
  // ids. Throws Error(kInvalidArgument) naming the offending pair when two
  // regions overlap or repeat, or when a region is empty (end <= start).
  static RegionIndex FromUnsorted(std::vector<Region> regions);

  // Rebuilds an index from its stored form (the store reader). Throws
  // Error(kCorruption) when the parts disagree.
  static RegionIndex FromParts(std::vector<ChromosomeRange> chromosomes,
                               std::vector<std::uint32_t> starts, std::vector<std::uint32_t> ends);

  std::uint32_t size() const { return static_cast<std::uint32_t>(starts_.size()); }
  const std::vector<ChromosomeRange>& chromosomes() const { return chromosomes_; }

  // Index into chromosomes() of `name`, or -1.
  int FindChromosome(std::string_view name) const;
  // Chromosome index of region `id` (id < size()).
  int ChromosomeOf(std::uint32_t id) const;

  std::uint32_t start(std::uint32_t id) const { return starts_[id]; }
  std::uint32_t end(std::uint32_t id) const { return ends_[id]; }

  // Ids [first, last) of the regions of chromosome `chrom` overlapping the
  // 0-based half-open interval [start, end).
  std::pair<std::uint32_t, std::uint32_t> Overlapping(int chrom, std::uint32_t start,
                                                      std::uint32_t end) const;

  // The same, for lookups in (mostly) increasing order of `start`, as in a
  // sorted fragments file: the search begins at *cursor (the first id of an
  // earlier answer on this chromosome; any value is safe) and gallops
  // forward, so a sorted stream costs O(1) per lookup and any order stays
  // correct. Updates *cursor.
  std::pair<std::uint32_t, std::uint32_t> OverlappingFrom(int chrom, std::uint32_t start,
                                                          std::uint32_t end,
                                                          std::uint32_t* cursor) const;

  // "chr1:1001-2000" (1-based inclusive) for region `id`.
  std::string Describe(std::uint32_t id) const;

 private:
  std::vector<ChromosomeRange> chromosomes_;
  std::vector<std::uint32_t> starts_;
  std::vector<std::uint32_t> ends_;
};

}  // namespace getps
