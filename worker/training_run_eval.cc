// The held-out evaluation of a TrainingRun: validation loss, test metrics
// and their strata, the predictions file, the pretraining baseline.
#include <cmath>
#include <cstdint>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "common/random.h"
#include "storage/region_strata.h"
#include "worker/region_errors.h"
#include "worker/training_run.h"

namespace getps {

using nlohmann::json;

// Mean loss over `windows` in eval mode, masks seeded per batch.
double TrainingRun::Loss(const std::vector<Window>& windows) {
  torch::NoGradGuard no_grad;
  model_->module().eval();
  double sum = 0;
  ForEachBatch(
      windows,
      [&](std::size_t b, std::size_t n, const BatchTensors& t) {
        torch::manual_seed(MixSeed(o_.seed, 0xE7A1u + b));
        GetOutputs out;
        sum += BatchLoss(*model_, t, loss_, o_.precision, &out).item<double>() *
               static_cast<double>(n);
      },
      /*sliced=*/true);
  sum = transport_->Sum({sum})[0];
  return sum / static_cast<double>(std::max<std::size_t>(1, windows.size()));
}

template <typename By>
void TrainingRun::AddStrata(json& record, By by) const {
  record["by_specificity"] = by(SpecificityStrata(AccessibleCounts(*store_)));
  if (const auto genes = store_->Genes(); !genes.empty())
    record["by_tss_distance"] =
        by(TssDistanceStrata(DistanceToNearestTss(store_->regions(), genes)));
}

void TrainingRun::Test(TrainSummary* summary) {
  torch::NoGradGuard no_grad;
  model_->module().eval();
  std::vector<std::string> names;
  for (const auto& ct : store_->celltypes()) names.push_back(ct.name);
  switch (o_.task()) {
    case RegionTask::kPretrain:
      return TestPretraining(summary, names);
    case RegionTask::kExpression:
      return TestExpression(summary, names);
    case RegionTask::kAccessibility:
      return TestAccessibility(summary, names);
  }
}

// Per-region errors under the same seeded masks as Loss().
void TrainingRun::TestPretraining(TrainSummary* summary, const std::vector<std::string>& names) {
  RegionErrors errors;
  ForEachBatch(
      splits_.test,
      [&](std::size_t b, std::size_t n, const BatchTensors& t) {
        torch::manual_seed(MixSeed(o_.seed, 0xE7A1u + b));
        GetOutputs out;
        torch::Tensor mask;
        auto se = MaskedRegionErrors(*model_, t, o_.mask_ratio, o_.precision, &out, &mask)
                      .to(torch::kCPU)
                      .contiguous();
        auto m = mask.to(torch::kFloat).to(torch::kCPU).contiguous();
        errors.Add(batch_, n, se.data_ptr<float>(), m.data_ptr<float>());
      },
      /*sliced=*/true);
  errors = GatheredToFirst(errors);
  summary->test_masked_mse = Loss(splits_.test);
  summary->test_baseline_mse = BaselineMse();
  if (!Lead()) return;
  json record = {{"kind", "test"},
                 {"step", counters_.step},
                 {"masked_mse", summary->test_masked_mse},
                 {"baseline_mse", summary->test_baseline_mse},
                 {"windows", splits_.test.size()}};
  AddStrata(record, [&](const RegionStrata& s) { return errors.MseBy(names, s); });
  Record(record);
}

// Expression per (cell type, region, strand) averaged over the windows
// holding the region, for TSS entries only; metrics over all of them, and
// the reference's definition beside them (both strands of every TSS
// region, as its eval_tss flattens them).
void TrainingRun::TestExpression(TrainSummary* summary, const std::vector<std::string>& names) {
  TssPredictions predictions;
  RegionPredictions reference;
  ForEachBatch(
      splits_.test,
      [&](std::size_t, std::size_t n, const BatchTensors& t) {
        auto e = Forward(*model_, t, {}, o_.precision).expression.to(torch::kCPU).contiguous();
        predictions.Add(batch_, n, e.data_ptr<float>());
        AddReferenceTss(reference, batch_, n, e.data_ptr<float>());
      },
      /*sliced=*/true);
  predictions = GatheredToFirst(predictions);
  reference = GatheredToFirst(reference);
  if (!Lead()) return;
  const json reference_metrics = reference.Metrics(names);
  json extra = {{"reference_tss", reference_metrics}};
  if (people_) {
    // Each (TSS entry, person) is an entry of its own; what training by
    // people is for is each entry's Pearson across the held-out people.
    const json across = AcrossPeopleMetrics(predictions, 2);
    extra["across_people"] = across;
    summary->test_people_median_pearson =
        across["median_pearson"].is_null() ? std::nan("") : across["median_pearson"].get<double>();
    LogInfo("test across held-out people: median Pearson " + across["median_pearson"].dump() +
            " over " + across["entries"].dump() + " TSS entries");
  }
  Report(summary, names, predictions, extra, "TSS entries");
  LogInfo("test, the reference's definition (both strands of every TSS region): Pearson " +
          reference_metrics["pooled"]["pearson"].dump() + " over " +
          reference_metrics["pooled"]["n"].dump() + " values");
}

// Accessibility per (cell type, region) averaged over the windows holding
// it, every held-out region; the input's accessibility column was 1.
void TrainingRun::TestAccessibility(TrainSummary* summary, const std::vector<std::string>& names) {
  RegionPredictions predictions;
  ForEachBatch(
      splits_.test,
      [&](std::size_t, std::size_t n, const BatchTensors& t) {
        auto a = Forward(*model_, t, {}, o_.precision).accessibility.to(torch::kCPU).contiguous();
        AddAccessibility(predictions, batch_, n, a.data_ptr<float>());
      },
      /*sliced=*/true);
  predictions = GatheredToFirst(predictions);
  if (!Lead()) return;
  Report(summary, names, predictions, {{"target", "atac"}}, "regions");
}

// The test record of a fine-tuning (with `extra` fields), its log line and
// RUN/test_predictions.tsv.
void TrainingRun::Report(TrainSummary* summary, const std::vector<std::string>& names,
                         const RegionPredictions& predictions, const json& extra,
                         const std::string& what) {
  json metrics = predictions.Metrics(names);
  const json pooled = metrics["pooled"];
  summary->test_pearson = pooled["pearson"];
  json record = {{"kind", "test"},
                 {"step", counters_.step},
                 {"pooled", pooled},
                 {"per_celltype", metrics["per_celltype"]},
                 {"leave_out_chromosomes", o_.leave_out_chromosomes},
                 {"leave_out_celltypes", o_.leave_out_celltypes}};
  record.update(extra);
  AddStrata(record, [&](const RegionStrata& s) { return predictions.MetricsBy(names, s); });
  Record(record);
  WritePredictions(predictions, names);
  LogInfo("test: pooled Pearson " + pooled["pearson"].dump() + ", Spearman " +
          pooled["spearman"].dump() + ", R2 " + pooled["r2"].dump() + " over " +
          pooled["n"].dump() + " " + what);
}

// RUN/test_predictions.tsv: one line per held-out entry (strand "." for
// accessibility).
void TrainingRun::WritePredictions(const RegionPredictions& predictions,
                                   const std::vector<std::string>& names) {
  const bool strands = o_.task() == RegionTask::kExpression;
  const int columns = strands ? 2 : 1;
  std::string tsv = std::string("celltype\tregion\tstrand\t") + (people_ ? "individual\t" : "") +
                    "predicted\tobserved\n";
  predictions.ForEachEntry([&](int ct, std::uint32_t id, int stored, double p, double o) {
    const EntryColumn e = PersonOf(stored, columns);
    const char* strand = !strands ? "\t.\t" : e.column == 0 ? "\t+\t" : "\t-\t";
    tsv += names.at(static_cast<std::size_t>(ct)) + "\t" + store_->regions().Describe(id) + strand;
    if (people_)
      tsv += (e.individual == kReferenceIndividual
                  ? std::string("reference")
                  : genotypes_->metadata().individuals.at(e.individual)) +
             "\t";
    tsv += std::to_string(p) + "\t" + std::to_string(o) + "\n";
  });
  transport_->WriteRunFile("test_predictions.tsv", tsv);  // the coordinator's, distributed
}

// The trivial pretraining baseline: predict each feature's mean over the
// training windows; its masked MSE on the test windows.
double TrainingRun::BaselineMse() {
  torch::Tensor sum;
  double count = 0;
  ForEachBatch(splits_.train, [&](std::size_t, std::size_t, const BatchTensors& t) {
    auto s = t.features.sum(std::vector<std::int64_t>{0, 1});
    sum = sum.defined() ? sum + s : s;
    count += static_cast<double>(t.features.size(0) * t.features.size(1));
  });
  auto mean = sum / count;
  double se = 0, regions = 0;
  ForEachBatch(splits_.test, [&](std::size_t, std::size_t, const BatchTensors& t) {
    se += (t.features - mean).pow(2).mean(-1).sum().item<double>();
    regions += static_cast<double>(t.features.size(0) * t.features.size(1));
  });
  return se / std::max(1.0, regions);
}

}  // namespace getps
