#include "storage/store_values.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace getps {

void CheckStoredValues(const StoreReader& store, int chrom) {
  auto bad = [](float v, bool non_negative) {
    return !std::isfinite(v) || (non_negative && v < 0);
  };
  auto fail = [&](float v, bool non_negative, const std::string& what) {
    throw Error(ErrorCode::kCorruption, "store " + store.path() + ": " + what + " is " +
                                            std::to_string(v) + " (expected finite" +
                                            (non_negative ? ", >= 0)" : ")"));
  };
  const RegionIndex& regions = store.regions();
  const ChromosomeRange& range = regions.chromosomes()[static_cast<std::size_t>(chrom)];
  std::vector<float> row(store.num_motifs());
  for (std::uint32_t id = range.first_id; id < range.first_id + range.count; ++id) {
    store.ReadMotifScores(id, row.data());
    for (std::size_t j = 0; j < row.size(); ++j)
      if (bad(row[j], true))
        fail(row[j], true,
             "motif score of region " + regions.Describe(id) + ", feature '" +
                 store.metadata().feature_names[j] + "'");
  }
  for (std::size_t ct = 0; ct < store.celltypes().size(); ++ct) {
    const AccessibleRegions& a = store.Accessible(static_cast<int>(ct), chrom);
    for (std::size_t i = 0; i < a.size(); ++i) {
      const struct {
        float value;
        bool non_negative;
        const char* name;
      } columns[] = {{a.counts[i], true, "count"},
                     {a.logcpm[i], true, "logCPM"},
                     {a.expression[2 * i], false, "+ strand expression"},
                     {a.expression[2 * i + 1], false, "- strand expression"}};
      for (const auto& c : columns)
        if (bad(c.value, c.non_negative))
          fail(c.value, c.non_negative,
               std::string(c.name) + " of region " + regions.Describe(a.ids[i]) + " in " +
                   store.celltypes()[ct].name);
    }
  }
}

}  // namespace getps
