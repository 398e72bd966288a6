#include "launch/people_evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "launch/people_page.h"
#include "worker/cis_ridge.h"
#include "worker/metrics.h"
#include "worker/people_predictions.h"

namespace getps::cli {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kBinEdges[] = {0.0, 0.05, 0.2, 0.5, 1.0000001};
constexpr const char* kBinLabels[] = {"[0, 0.05)", "[0.05, 0.2)", "[0.2, 0.5)", "[0.5, 1]", "all"};

// Pearson across `people` of two per-person series; NaN unless at least
// three people and both vary.
double PearsonOver(const std::vector<std::uint16_t>& people, const std::vector<double>& a,
                   const std::vector<double>& b) {
  std::vector<double> x, y;
  for (const auto k : people)
    if (!std::isnan(a[k]) && !std::isnan(b[k])) x.push_back(a[k]), y.push_back(b[k]);
  return PearsonOrNan(x, y);
}

// The cohort's variants by the regions they change, and their dosages.
struct CisVariants {
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> of_region;
  std::map<std::uint32_t, std::vector<std::uint8_t>> dosages;

  explicit CisVariants(const GenotypeReader& g) {
    for (const auto& d : g.AllAlleleDeltas()) of_region[d.region].push_back(d.variant);
  }
  // The variants changing a region of `region_ids`, ascending.
  std::vector<std::uint32_t> In(const std::vector<std::uint32_t>& region_ids) const {
    std::vector<std::uint32_t> out;
    for (const auto r : region_ids)
      if (const auto it = of_region.find(r); it != of_region.end())
        out.insert(out.end(), it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  const std::vector<std::uint8_t>& Of(const GenotypeReader& g, std::uint32_t v) {
    auto it = dosages.find(v);
    if (it == dosages.end()) it = dosages.emplace(v, g.Dosages(v)).first;
    return it->second;
  }
};

struct GeneResult {
  std::size_t test_people = 0, cis_variants = 0;
  double pearson = kNan, ridge_pearson = kNan, lambda = 0, observed_sd = kNan;
};

// The ridge's prediction for every person.
std::vector<double> RidgePredictions(const PeopleEvaluationRun& run, CisVariants& cis,
                                     const std::vector<std::uint32_t>& variants,
                                     const std::vector<double>& observed, GeneResult* result) {
  const std::size_t n = observed.size();
  std::vector<std::vector<double>> x(n, std::vector<double>(variants.size()));
  for (std::size_t j = 0; j < variants.size(); ++j) {
    const auto& d = cis.Of(*run.genotypes, variants[j]);
    double sum = 0, count = 0;
    for (const auto k : run.split.train)
      if (d[k] != kMissingDosage) sum += d[k], ++count;
    for (std::size_t k = 0; k < n; ++k)
      x[k][j] = d[k] == kMissingDosage ? (count ? sum / count : 0) : d[k];
  }
  std::vector<std::vector<double>> train_x;
  std::vector<double> train_y;
  for (const auto k : run.split.train)
    if (!std::isnan(observed[k])) train_x.push_back(x[k]), train_y.push_back(observed[k]);
  std::vector<double> out(n, kNan);
  if (train_y.empty()) return out;
  const RidgeFit fit = FitRidge(train_x, train_y);
  result->lambda = fit.lambda;
  for (std::size_t k = 0; k < n; ++k) out[k] = PredictRidge(fit, x[k]);
  return out;
}

// `v` to `digits` significant digits ("nan" for NaN).
std::string Number(double v, int digits = 6) {
  if (std::isnan(v)) return "nan";
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}

std::string SummaryTable(const std::vector<GeneResult>& results) {
  std::ostringstream s;
  s << "cis_r2_bin\tgenes\tmedian_pearson\tmean_pearson\tmedian_cis_r2\n";
  for (int b = 0; b <= 4; ++b) {
    std::vector<double> pearson, cis;
    for (const auto& r : results) {
      if (std::isnan(r.pearson) || std::isnan(r.ridge_pearson)) continue;
      const double c = r.ridge_pearson * r.ridge_pearson;
      if (b < 4 && !(c >= kBinEdges[b] && c < kBinEdges[b + 1])) continue;
      pearson.push_back(r.pearson);
      cis.push_back(c);
    }
    double mean = 0;
    for (const double p : pearson) mean += p / static_cast<double>(pearson.size());
    s << kBinLabels[b] << "\t" << pearson.size() << "\t" << Number(Median(pearson)) << "\t"
      << Number(pearson.empty() ? kNan : mean) << "\t" << Number(Median(cis)) << "\n";
  }
  return s.str();
}

}  // namespace

PeopleEvaluationSummary EvaluatePeople(const PeopleEvaluationRun& run,
                                       const std::filesystem::path& out) {
  const StoreReader& store = *run.store;
  const GenotypeReader& g = *run.genotypes;
  const auto& people = g.metadata().individuals;
  std::vector<GenotypeOverlay> overlays;
  overlays.reserve(people.size());
  for (std::size_t k = 0; k < people.size(); ++k)
    overlays.emplace_back(store, g, static_cast<std::uint16_t>(k));
  std::vector<const GenotypeOverlay*> everyone;
  for (const auto& o : overlays) everyone.push_back(&o);
  std::unordered_map<std::string, std::size_t> gene_index;
  for (const auto& gene : store.Genes()) gene_index.emplace(gene.name, gene_index.size());
  std::map<int, std::vector<std::vector<float>>> expression;  // [celltype][person][gene]
  std::vector<bool> is_test(people.size(), false);
  for (const auto k : run.split.test) is_test[k] = true;

  PeopleEvaluationSummary summary;
  PeoplePredictor predictor(*run.model, store, run.device, run.atac, run.batch_size);
  CisVariants cis(g);
  std::vector<GeneResult> results;
  std::ostringstream rows, genes;
  rows << "gene\tcelltype\tindividual\tsplit\tobserved\tpredicted\tridge\n";
  genes << "gene\tcelltype\ttest_people\tcis_variants\tpearson\tr2\tridge_pearson\tcis_r2\t"
           "ridge_lambda\tobserved_sd\n";
  ProgressMeter meter("evaluate", static_cast<std::int64_t>(run.tasks.size()), "genes", !run.quiet);
  for (const GeneTask& task : run.tasks) {
    meter.Advance(1);
    auto& table = expression[task.celltype];
    if (table.empty())
      for (std::size_t k = 0; k < people.size(); ++k)
        table.push_back(
            g.Expression(static_cast<std::uint16_t>(task.celltype), static_cast<std::uint16_t>(k)));
    std::vector<double> observed(people.size());
    for (std::size_t k = 0; k < people.size(); ++k)
      observed[k] = table[k].at(gene_index.at(task.gene.name));
    const std::vector<float> p = predictor.Predict(task, everyone, &summary.windows_run);
    const std::vector<double> predicted(p.begin(), p.end());
    const auto& ids = store.Accessible(task.celltype, task.window.window.chrom).ids;
    const std::vector<std::uint32_t> window(
        ids.begin() + task.window.window.first,
        ids.begin() + task.window.window.first + kRegionsPerWindow);
    const std::vector<std::uint32_t> variants = cis.In(window);
    GeneResult r;
    r.cis_variants = variants.size();
    const std::vector<double> ridge = RidgePredictions(run, cis, variants, observed, &r);
    r.pearson = PearsonOver(run.split.test, predicted, observed);
    r.ridge_pearson = PearsonOver(run.split.test, ridge, observed);
    std::vector<double> held;
    for (const auto k : run.split.test)
      if (!std::isnan(observed[k])) held.push_back(observed[k]), ++r.test_people;
    double mean = 0, var = 0;
    for (const double v : held) mean += v / static_cast<double>(held.size());
    for (const double v : held) var += (v - mean) * (v - mean) / static_cast<double>(held.size());
    r.observed_sd = held.empty() ? kNan : std::sqrt(var);
    const std::string& ct = store.celltypes()[static_cast<std::size_t>(task.celltype)].name;
    for (std::size_t k = 0; k < people.size(); ++k)
      rows << task.gene.name << "\t" << ct << "\t" << people[k] << "\t"
           << (is_test[k] ? "test" : "train") << "\t" << Number(observed[k], 9) << "\t"
           << Number(predicted[k], 9) << "\t" << Number(ridge[k], 9) << "\n";
    genes << task.gene.name << "\t" << ct << "\t" << r.test_people << "\t" << r.cis_variants << "\t"
          << Number(r.pearson) << "\t" << Number(r.pearson * r.pearson) << "\t"
          << Number(r.ridge_pearson) << "\t" << Number(r.ridge_pearson * r.ridge_pearson) << "\t"
          << Number(r.lambda) << "\t" << Number(r.observed_sd) << "\n";
    results.push_back(r);
  }
  meter.Finish();
  std::filesystem::create_directories(out);
  WriteFileAtomically(out / "predictions.tsv", rows.str());
  WriteFileAtomically(out / "genes.tsv", genes.str());
  WriteFileAtomically(out / "summary.tsv", SummaryTable(results));
  std::vector<double> model_pearson, ridge_pearson;
  for (const auto& r : results) {
    model_pearson.push_back(r.pearson);
    ridge_pearson.push_back(r.ridge_pearson);
  }
  WriteFileAtomically(
      out / "evaluation.html",
      PeoplePage(model_pearson, ridge_pearson,
                 std::to_string(results.size()) + " genes x cell types, " +
                     std::to_string(run.split.test.size()) + " held-out of " +
                     std::to_string(people.size()) + " people; genotypes " + g.path()));
  std::vector<double> pearson, cis_r2;
  for (const auto& r : results) {
    if (!std::isnan(r.pearson)) pearson.push_back(r.pearson);
    if (!std::isnan(r.ridge_pearson)) cis_r2.push_back(r.ridge_pearson * r.ridge_pearson);
  }
  summary.genes = pearson.size();
  summary.median_pearson = Median(pearson);
  summary.median_cis_r2 = Median(cis_r2);
  return summary;
}

}  // namespace getps::cli
