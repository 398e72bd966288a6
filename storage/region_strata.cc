#include "storage/region_strata.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "storage/store_reader.h"

namespace getps {

std::vector<std::uint32_t> AccessibleCounts(const StoreReader& store) {
  std::vector<std::uint32_t> counts(store.regions().size(), 0);
  const auto chromosomes = static_cast<int>(store.regions().chromosomes().size());
  for (int ct = 0; ct < static_cast<int>(store.celltypes().size()); ++ct) {
    for (int chrom = 0; chrom < chromosomes; ++chrom) {
      for (std::uint32_t id : store.Accessible(ct, chrom).ids) ++counts[id];
    }
  }
  return counts;
}

RegionStrata SpecificityStrata(const std::vector<std::uint32_t>& accessible_in) {
  RegionStrata s;
  s.name = "specificity";
  s.bin_of.reserve(accessible_in.size());
  int bins = 0;
  for (std::uint32_t n : accessible_in) {
    n = std::max<std::uint32_t>(1, n);
    int bin = 0;
    while ((2u << bin) <= n) ++bin;  // n in [2^bin, 2^(bin+1))
    s.bin_of.push_back(bin);
    bins = std::max(bins, bin + 1);
  }
  for (int bin = 0; bin < bins; ++bin) {
    const std::int64_t lo = std::int64_t{1} << bin, hi = (std::int64_t{2} << bin) - 1;
    s.labels.push_back(lo == hi ? std::to_string(lo)
                                : std::to_string(lo) + "-" + std::to_string(hi));
    s.lo.push_back(lo);
    s.hi.push_back(hi);
  }
  return s;
}

std::vector<std::int64_t> DistanceToNearestTss(const RegionIndex& regions,
                                               const std::vector<GeneRecord>& genes) {
  std::map<std::string, std::vector<std::int64_t>> tss_of;  // chromosome -> sorted TSSs
  for (const GeneRecord& g : genes) tss_of[g.chrom].push_back(g.tss);
  for (auto& [chrom, v] : tss_of) std::sort(v.begin(), v.end());
  std::vector<std::int64_t> distance(regions.size(), -1);
  for (const ChromosomeRange& c : regions.chromosomes()) {
    auto it = tss_of.find(c.name);
    if (it == tss_of.end()) continue;
    const std::vector<std::int64_t>& tss = it->second;
    for (std::uint32_t id = c.first_id; id < c.first_id + c.count; ++id) {
      const std::int64_t centre =
          regions.start(id) + (std::int64_t{regions.end(id)} - regions.start(id)) / 2;
      // The nearest TSS is the first at or after the centre or the one before.
      auto at = std::lower_bound(tss.begin(), tss.end(), centre);
      std::int64_t d = INT64_MAX;
      if (at != tss.end()) d = *at - centre;
      if (at != tss.begin()) d = std::min(d, centre - *(at - 1));
      distance[id] = d;
    }
  }
  return distance;
}

RegionStrata TssDistanceStrata(const std::vector<std::int64_t>& distance) {
  RegionStrata s;
  s.name = "tss_distance";
  s.labels = {"0-99", "100-499", "500-1999", "2000-9999", "10000-99999", ">=100000", "no TSS"};
  s.lo = {0, 100, 500, 2000, 10000, 100000, -1};
  s.hi = {99, 499, 1999, 9999, 99999, -1, -1};
  s.bin_of.reserve(distance.size());
  for (std::int64_t d : distance) {
    int bin = 6;
    if (d >= 0) {
      bin = 0;
      while (bin < 5 && d > s.hi[static_cast<std::size_t>(bin)]) ++bin;
    }
    s.bin_of.push_back(bin);
  }
  return s;
}

}  // namespace getps
