#include "worker/region_errors.h"

#include <cstdint>

namespace getps {

void RegionErrors::Add(const Batch& batch, std::size_t n, const float* se, const float* masked) {
  const std::size_t regions = batch.window_size;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t r = 0; r < regions; ++r) {
      const std::size_t k = i * regions + r;
      if (masked[k] == 0) continue;
      auto& e = entries_[{static_cast<int>(batch.windows[i].celltype), batch.region_ids[k]}];
      e.first += se[k];
      e.second += 1;
    }
  }
}

std::vector<double> RegionErrors::Flatten() const {
  std::vector<double> flat;
  flat.reserve(entries_.size() * 4);
  for (const auto& [key, e] : entries_)
    flat.insert(flat.end(), {static_cast<double>(key.first), static_cast<double>(key.second),
                             e.first, e.second});
  return flat;
}

void RegionErrors::Merge(const std::vector<double>& flat) {
  for (std::size_t i = 0; i + 4 <= flat.size(); i += 4) {
    auto& e = entries_[{static_cast<int>(flat[i]), static_cast<std::uint32_t>(flat[i + 1])}];
    e.first += flat[i + 2];
    e.second += flat[i + 3];
  }
}

nlohmann::json RegionErrors::MseBy(const std::vector<std::string>& names,
                                   const RegionStrata& strata) const {
  struct Sum {
    double se = 0, n = 0;
    nlohmann::json Json() const { return {{"n", n}, {"masked_mse", n > 0 ? se / n : 0.0}}; }
  };
  std::map<int, std::pair<Sum, std::map<int, Sum>>> bins;  // bin -> pooled, per cell type
  for (const auto& [key, e] : entries_) {
    auto& [pooled, per_ct] = bins[strata.bin_of.at(key.second)];
    for (Sum* s : {&pooled, &per_ct[key.first]}) {
      s->se += e.first;
      s->n += e.second;
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [bin, sums] : bins) {
    const auto b = static_cast<std::size_t>(bin);
    nlohmann::json per_ct = nlohmann::json::object();
    for (const auto& [ct, s] : sums.second)
      per_ct[names.at(static_cast<std::size_t>(ct))] = s.Json();
    out.push_back({{"bin", strata.labels[b]},
                   {"min", strata.lo[b]},
                   {"max", strata.hi[b] < 0 ? nlohmann::json() : nlohmann::json(strata.hi[b])},
                   {"pooled", sums.first.Json()},
                   {"per_celltype", per_ct}});
  }
  return out;
}

}  // namespace getps
