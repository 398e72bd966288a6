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

  // The same metrics stratified by cell-type specificity: `accessible_in[r]`
  // is the number of cell types in which region r is accessible; bins are
  // powers of two ("1", "2-3", "4-7", ...). Returns a list of
  // {"bin", "min", "max", "pooled", "per_celltype"}, bins in order, empty
  // bins left out.
  nlohmann::json MetricsBySpecificity(const std::vector<std::string>& celltype_names,
                                      const std::vector<std::uint32_t>& accessible_in) const;

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
