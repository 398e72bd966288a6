// RegionErrors: pretraining's held-out masked-feature reconstruction error
// per (cell type, region), summed over every window and mask that hid the
// region; and the masked MSE stratified by a per-region property (distal vs
// promoter regions, specific vs shared ones), pooled and per cell type.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/region_strata.h"

namespace getps {

class RegionErrors {
 public:
  // `squared_error` is the batch's [n, R] mean-over-features squared error,
  // `masked` its [n, R] mask (non-zero where the region was hidden).
  void Add(const Batch& batch, std::size_t n, const float* squared_error, const float* masked);

  // Four numbers per entry (cell type, region, sum, count), to send
  // elsewhere; Merge takes them back.
  std::vector<double> Flatten() const;
  void Merge(const std::vector<double>& flat);

  // [{"bin", "min", "max", "pooled": {"n", "masked_mse"},
  //   "per_celltype": {name: {"n", "masked_mse"}}}], empty bins left out;
  // n counts masked region occurrences.
  nlohmann::json MseBy(const std::vector<std::string>& celltype_names,
                       const RegionStrata& strata) const;

 private:
  std::map<std::pair<int, std::uint32_t>, std::pair<double, double>> entries_;  // sum, count
};

}  // namespace getps
