#include "worker/region_predictions.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cmath>

namespace getps {
namespace {

// A hand-made batch: 1 window of 4 regions (ids 10..13), every region a TSS
// on the + strand; observed 1, 2, 3, 4; predicted as given.
Batch HandMadeBatch() {
  Batch b;
  b.size = 1;
  b.window_size = 4;
  b.windows = {Window{0, 0, 0}};
  b.region_ids = {10, 11, 12, 13};
  b.tss_mask = {1, 0, 1, 0, 1, 0, 1, 0};
  b.expression = {1, 0, 2, 0, 3, 0, 4, 0};
  return b;
}

TEST(TssPredictions, SpecificityBinsArePowersOfTwoWithTheirOwnMetrics) {
  TssPredictions t;
  const Batch b = HandMadeBatch();
  const std::vector<float> predicted = {1.1f, 0, 1.9f, 0, 3.2f, 0, 3.0f, 0};
  t.Add(b, 1, predicted.data());
  // Regions 10, 11 accessible in 1 cell type; 12 in 2; 13 in 5.
  std::vector<std::uint32_t> accessible_in(14, 0);
  accessible_in[10] = accessible_in[11] = 1;
  accessible_in[12] = 2;
  accessible_in[13] = 5;
  const auto bins = t.MetricsBy({"ct0"}, SpecificityStrata(accessible_in));
  ASSERT_EQ(bins.size(), 3u);
  EXPECT_EQ(bins[0]["bin"], "1");
  EXPECT_EQ(bins[1]["bin"], "2-3");
  EXPECT_EQ(bins[2]["bin"], "4-7");
  EXPECT_EQ(bins[0]["pooled"]["n"], 2);
  EXPECT_EQ(bins[1]["pooled"]["n"], 1);
  EXPECT_EQ(bins[2]["per_celltype"]["ct0"]["n"], 1);
  EXPECT_EQ(bins[2]["min"], 4);
  EXPECT_EQ(bins[2]["max"], 7);
  // Two points correlate perfectly (1.1 < 1.9 with 1 < 2).
  EXPECT_NEAR(bins[0]["pooled"]["pearson"].get<double>(), 1.0, 1e-9);
  // The unstratified metrics see all four.
  const auto all = t.Metrics({"ct0"});
  EXPECT_EQ(all["pooled"]["n"], 4);
  // Overlapping windows average: the same entry added again with another
  // prediction counts once, at the mean.
  const std::vector<float> again = {2.1f, 0, 1.9f, 0, 3.2f, 0, 3.0f, 0};
  t.Add(b, 1, again.data());
  const auto flat = t.Flatten();
  ASSERT_EQ(flat.size(), 4u * 6u);
  EXPECT_NEAR(flat[3] / flat[4], 1.6, 1e-6);  // region 10: (1.1 + 2.1) / 2
}

// The reference's eval_tss: both strands of every region holding a TSS on
// either, the other strand's value included; accessibility: every region.
TEST(RegionPredictions, TheReferenceTssSetAndAccessibility) {
  Batch b = HandMadeBatch();
  b.tss_mask = {1, 0, 0, 0, 0, 1, 0, 0};  // regions 10 (+) and 12 (-) hold a TSS
  b.atac = {0.5f, 1.0f, 1.5f, 2.0f};
  const std::vector<float> predicted = {1.1f, 0.2f, 1.9f, 0.3f, 3.2f, 0.4f, 3.0f, 0.5f};
  TssPredictions ours;
  ours.Add(b, 1, predicted.data());
  EXPECT_EQ(ours.Metrics({"ct0"})["pooled"]["n"], 2);
  RegionPredictions reference;
  AddReferenceTss(reference, b, 1, predicted.data());
  EXPECT_EQ(reference.Metrics({"ct0"})["pooled"]["n"], 4);  // both strands of 10 and 12
  std::vector<std::pair<std::uint32_t, int>> kept;
  reference.ForEachEntry([&](int, std::uint32_t region, int strand, double, double) {
    kept.emplace_back(region, strand);
  });
  EXPECT_EQ(kept, (std::vector<std::pair<std::uint32_t, int>>{{10, 0}, {10, 1}, {12, 0}, {12, 1}}));
  RegionPredictions atac;
  const std::vector<float> accessibility = {0.6f, 0.9f, 1.6f, 2.2f};
  AddAccessibility(atac, b, 1, accessibility.data());
  const auto m = atac.Metrics({"ct0"});
  EXPECT_EQ(m["pooled"]["n"], 4);
  EXPECT_GT(m["pooled"]["pearson"].get<double>(), 0.98);
  // Merged elsewhere, the same.
  RegionPredictions merged;
  merged.Merge(atac.Flatten());
  EXPECT_EQ(merged.Metrics({"ct0"}), m);
}

TEST(TssPredictions, EachPersonsEntriesAreTheirOwnAndCorrelateAcrossPeople) {
  // The same window for four people and the reference: region 10's
  // observed values 1, 2, 3, 4 per person, predicted 1, 3, 2, 4 (Pearson
  // 0.8); region 11's observed 1, 1, 1, 1 (constant: no Pearson).
  TssPredictions t;
  for (std::uint16_t k = 0; k < 5; ++k) {
    Batch b = HandMadeBatch();
    b.windows[0].individual = k == 4 ? kReferenceIndividual : k;
    const float observed[] = {1, 2, 3, 4, 9};
    const float predicted[] = {1, 3, 2, 4, 9};
    b.expression = {observed[k], 0, 1, 0, 0, 0, 0, 0};
    b.tss_mask = {1, 0, 1, 0, 0, 0, 0, 0};
    const std::vector<float> p = {predicted[k], 0, 1.0f + k, 0, 0, 0, 0, 0};
    t.Add(b, 1, p.data());
  }
  EXPECT_EQ(t.Metrics({"ct0"})["pooled"]["n"], 10);  // 2 entries x (4 people + reference)
  int people = 0;
  t.ForEachEntry([&](int, std::uint32_t region, int stored, double, double) {
    const EntryColumn e = PersonOf(stored, 2);
    EXPECT_EQ(e.column, 0);
    if (e.individual != kReferenceIndividual) ++people;
    EXPECT_TRUE(region == 10 || region == 11);
  });
  EXPECT_EQ(people, 8);
  const auto across = AcrossPeopleMetrics(t, 2);
  EXPECT_EQ(across["entries"], 1);
  EXPECT_NEAR(across["median_pearson"].get<double>(), 0.8, 1e-12);
  EXPECT_EQ(PersonOf(1, 2).individual, kReferenceIndividual);
  EXPECT_EQ(PersonOf(2 * 8 + 1, 2).individual, 7);
  EXPECT_EQ(PersonOf(2 * 8 + 1, 2).column, 1);
}

}  // namespace
}  // namespace getps
