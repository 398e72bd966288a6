// RegionPredictions: held-out predictions per (cell type, region, column),
// averaged over the overlapping windows that hold each region, and the
// metrics over them (global, never a mean of per-batch values): pooled, per
// cell type, and per bin of a region stratification. Which entries a batch
// adds is the caller's choice:
// - TssPredictions: expression on each TSS entry's own strand (getps's
//   definition: one entry per TSS and strand);
// - AddReferenceTss: both strands of every region holding a TSS, the other
//   strand's value included (the reference's eval_tss);
// - AddAccessibility: accessibility of every region (one column).
// A person's window (Window::individual, training by people) adds entries of
// its own: column c of individual k is c + columns x (k + 1), so the
// reference's and every person's predictions stay apart (PersonOf).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "storage/batch_assembler.h"
#include "storage/region_strata.h"

namespace getps {

class RegionPredictions {
 public:
  // `predicted` and `observed` are [n, R, columns] row-major for the batch's
  // first n windows; entry k (its flat index) is added when keep(k).
  void Add(const Batch& batch, std::size_t n, std::size_t columns, const float* predicted,
           const float* observed, const std::function<bool(std::size_t)>& keep);

  // Six numbers per entry (cell type, region, column, sum, count, observed),
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

  // fn(celltype, region_id, column, predicted, observed) for every entry, in
  // (cell type, region, column) order.
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

// An entry's column and person (kReferenceIndividual for the reference) from
// its stored column, for a prediction of `columns` columns.
struct EntryColumn {
  int column = 0;
  std::uint16_t individual = kReferenceIndividual;
};
EntryColumn PersonOf(int stored, int columns);

// Across people, per (cell type, region, column) entry held by three or
// more people whose values vary: {"entries", "median_pearson",
// "mean_pearson"} of the Pearsons between predicted and observed.
nlohmann::json AcrossPeopleMetrics(const RegionPredictions& predictions, int columns);

// Expression on the strand of each TSS entry (columns: + and - strand).
class TssPredictions : public RegionPredictions {
 public:
  // `expression` is the model's [n, R, 2] output for the batch's first n
  // windows (row-major floats).
  void Add(const Batch& batch, std::size_t n, const float* expression);
};

// Both strands of every region of the batch holding a TSS on either: the
// held-out set of the reference's eval_tss (getps/the paper's published
// code flattens the two strand columns of every TSS region).
void AddReferenceTss(RegionPredictions& predictions, const Batch& batch, std::size_t n,
                     const float* expression);

// Accessibility of every region: `accessibility` is the model's [n, R]
// output, observed the batch's logCPM.
void AddAccessibility(RegionPredictions& predictions, const Batch& batch, std::size_t n,
                      const float* accessibility);

}  // namespace getps
