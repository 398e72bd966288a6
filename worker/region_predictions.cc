#include "worker/region_predictions.h"

#include <cmath>
#include <cstdint>
#include <map>

#include "worker/metrics.h"

namespace getps {

void RegionPredictions::Add(const Batch& batch, std::size_t n, std::size_t columns,
                            const float* predicted, const float* observed,
                            const std::function<bool(std::size_t)>& keep) {
  const std::size_t regions = batch.window_size;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t who = batch.windows[i].individual;
    const int base = who == kReferenceIndividual ? 0 : static_cast<int>(columns) * (who + 1);
    for (std::size_t r = 0; r < regions; ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        const std::size_t k = (i * regions + r) * columns + c;
        if (!keep(k)) continue;
        Entry& e = entries_[{static_cast<int>(batch.windows[i].celltype),
                             batch.region_ids[i * regions + r], base + static_cast<int>(c)}];
        e.sum += predicted[k];
        ++e.count;
        e.observed = observed[k];
      }
    }
  }
}

EntryColumn PersonOf(int stored, int columns) {
  if (stored < columns) return {stored, kReferenceIndividual};
  return {stored % columns, static_cast<std::uint16_t>(stored / columns - 1)};
}

nlohmann::json AcrossPeopleMetrics(const RegionPredictions& predictions, int columns) {
  std::map<std::tuple<int, std::uint32_t, int>, std::pair<std::vector<double>, std::vector<double>>>
      by_entry;
  predictions.ForEachEntry([&](int ct, std::uint32_t id, int stored, double p, double o) {
    const EntryColumn e = PersonOf(stored, columns);
    if (e.individual == kReferenceIndividual) return;
    auto& [x, y] = by_entry[{ct, id, e.column}];
    x.push_back(p);
    y.push_back(o);
  });
  std::vector<double> pearson;
  for (const auto& [key, xy] : by_entry) {
    const double r = PearsonOrNan(xy.first, xy.second);
    if (!std::isnan(r)) pearson.push_back(r);
  }
  double mean = 0;
  for (const double v : pearson) mean += v / static_cast<double>(pearson.size());
  return {{"entries", pearson.size()},
          {"median_pearson", pearson.empty() ? nlohmann::json() : nlohmann::json(Median(pearson))},
          {"mean_pearson", pearson.empty() ? nlohmann::json() : nlohmann::json(mean)}};
}

void TssPredictions::Add(const Batch& batch, std::size_t n, const float* expression) {
  RegionPredictions::Add(batch, n, 2, expression, batch.expression.data(),
                         [&](std::size_t k) { return batch.tss_mask[k] != 0; });
}

void AddReferenceTss(RegionPredictions& predictions, const Batch& batch, std::size_t n,
                     const float* expression) {
  predictions.Add(batch, n, 2, expression, batch.expression.data(), [&](std::size_t k) {
    const std::size_t plus = k - k % 2;
    return batch.tss_mask[plus] != 0 || batch.tss_mask[plus + 1] != 0;
  });
}

void AddAccessibility(RegionPredictions& predictions, const Batch& batch, std::size_t n,
                      const float* accessibility) {
  predictions.Add(batch, n, 1, accessibility, batch.atac.data(), [](std::size_t) { return true; });
}

std::vector<double> RegionPredictions::Flatten() const {
  std::vector<double> flat;
  flat.reserve(entries_.size() * 6);
  for (const auto& [key, e] : entries_) {
    flat.insert(
        flat.end(),
        {static_cast<double>(std::get<0>(key)), static_cast<double>(std::get<1>(key)),
         static_cast<double>(std::get<2>(key)), e.sum, static_cast<double>(e.count), e.observed});
  }
  return flat;
}

void RegionPredictions::Merge(const std::vector<double>& flat) {
  for (std::size_t i = 0; i + 6 <= flat.size(); i += 6) {
    Entry& e = entries_[{static_cast<int>(flat[i]), static_cast<std::uint32_t>(flat[i + 1]),
                         static_cast<int>(flat[i + 2])}];
    e.sum += flat[i + 3];
    e.count += static_cast<int>(flat[i + 4]);
    e.observed = flat[i + 5];
  }
}

namespace {

nlohmann::json ToJson(const RegressionMetrics& m) {
  return nlohmann::json{{"n", m.n}, {"pearson", m.pearson}, {"spearman", m.spearman}, {"r2", m.r2}};
}

}  // namespace

nlohmann::json RegionPredictions::Metrics(const std::vector<std::string>& names) const {
  return MetricsOf(names, [](const Key&) { return true; });
}

template <typename Keep>
nlohmann::json RegionPredictions::MetricsOf(const std::vector<std::string>& names,
                                            Keep keep) const {
  std::map<int, std::pair<std::vector<double>, std::vector<double>>> by_ct;
  std::vector<double> all_p, all_o;
  for (const auto& [key, e] : entries_) {
    if (!keep(key)) continue;
    const double p = e.sum / e.count;
    by_ct[std::get<0>(key)].first.push_back(p);
    by_ct[std::get<0>(key)].second.push_back(e.observed);
    all_p.push_back(p);
    all_o.push_back(e.observed);
  }
  nlohmann::json per_ct = nlohmann::json::object();
  for (const auto& [ct, v] : by_ct)
    per_ct[names.at(static_cast<std::size_t>(ct))] =
        ToJson(ComputeRegressionMetrics(v.first, v.second));
  return {{"pooled", ToJson(ComputeRegressionMetrics(all_p, all_o))}, {"per_celltype", per_ct}};
}

nlohmann::json RegionPredictions::MetricsBy(const std::vector<std::string>& names,
                                            const RegionStrata& strata) const {
  auto bin_of = [&](const Key& key) { return strata.bin_of.at(std::get<1>(key)); };
  std::map<int, std::size_t> bins;
  for (const auto& [key, e] : entries_) ++bins[bin_of(key)];
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [bin, count] : bins) {
    const auto b = static_cast<std::size_t>(bin);
    nlohmann::json m = MetricsOf(names, [&](const Key& key) { return bin_of(key) == bin; });
    m["bin"] = strata.labels[b];
    m["min"] = strata.lo[b];
    m["max"] = strata.hi[b] < 0 ? nlohmann::json() : nlohmann::json(strata.hi[b]);
    out.push_back(m);
  }
  return out;
}

}  // namespace getps
