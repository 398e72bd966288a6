// TssPredictions: held-out expression predictions per (cell type, region,
// strand), for TSS entries only, averaged over the overlapping windows that
// hold each region; and the metrics over them (global, never a mean of
// per-batch values): pooled and per cell type.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/region_strata.h"

namespace getps {

class TssPredictions {
 public:
  // `expression` is the model's [n, R, 2] output for the batch's first n
  // windows (row-major floats).
  void Add(const Batch& batch, std::size_t n, const float* expression);

  // Six numbers per entry (cell type, region, strand, sum, count, observed),
  // to send elsewhere; Merge takes them back.
  std::vector<double> Flatten() const;
  void Merge(const std::vector<double>& flat);

  // {"pooled": {n, pearson, spearman, r2}, "per_celltype": {name: ...}}.
  nlohmann::json Metrics(const std::vector<std::string>& celltype_names) const;

  // The same metrics per bin of `strata` (storage/region_strata.h): a list
  // of {"bin", "min", "max", "pooled", "per_celltype"}, bins in order, empty
  // bins left out ("max" null for an open bin).
  nlohmann::json MetricsBy(const std::vector<std::string>& celltype_names,
                           const RegionStrata& strata) const;

  // fn(celltype, region_id, strand (0 +, 1 -), predicted, observed) for
  // every entry, in (cell type, region, strand) order.
  template <typename Fn>
  void ForEachEntry(Fn&& fn) const {
    for (const auto& [key, e] : entries_)
      fn(std::get<0>(key), std::get<1>(key), std::get<2>(key), e.sum / e.count, e.observed);
  }

 private:
  using Key = std::tuple<int, std::uint32_t, int>;
  template <typename Keep>
  nlohmann::json MetricsOf(const std::vector<std::string>& names, Keep keep) const;
  struct Entry {
    double sum = 0;
    int count = 0;
    double observed = 0;
  };
  std::map<Key, Entry> entries_;
};

}  // namespace getps
