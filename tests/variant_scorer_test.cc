#include "worker/variant_scorer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include <algorithm>

#include "common/error.h"
#include "storage/gene_window.h"
#include "test_store.h"
#include "worker/batch_tensors.h"
#include "worker/model/get_model.h"

namespace getps {
namespace {

using testing_util::HandMotif;
using testing_util::kMotifs;
using testing_util::TempDir;

std::unique_ptr<RegionModel> TinyModel(RegionTask task) {
  torch::manual_seed(3);
  GetModelConfig c = GetModelConfig::Small(kMotifs + 1);
  c.dim = 8;
  c.depth = 2;
  c.heads = 2;
  c.task = task;
  auto model = MakeRegionModel(ModelKind::kGet, c);
  model->module().eval();
  return model;
}

struct Fixture {
  TempDir dir{"variant_scorer"};
  std::unique_ptr<StoreReader> store;
  std::unique_ptr<RegionModel> model = TinyModel(RegionTask::kExpression);
  GeneTask task;
  Batch reference;

  Fixture() {
    testing_util::WriteHandStore(dir.Sub("store"));
    store = StoreReader::Open(dir.Sub("store"));
    const GeneRecord gene = *store->FindGene("GENE500");
    task = {gene, 0, WindowAroundGene(*store, gene, 0, kRegionsPerWindow)};
    BatchAssembler(*store, {kRegionsPerWindow, AtacMode::kQuantitative})
        .Assemble(std::span<const Window>(&task.window.window, 1), &reference);
  }
  // The row of `region` in the window.
  std::size_t RowOf(std::uint32_t region) const {
    const auto& ids = reference.region_ids;
    return static_cast<std::size_t>(std::find(ids.begin(), ids.end(), region) - ids.begin());
  }
  // The window with `deltas` on the raw scores, computed here from the hand
  // store's values: (raw + delta) x scale, clipped to 1.
  torch::Tensor Edited(const std::vector<std::pair<std::uint32_t, SparseDelta>>& deltas) const {
    std::vector<float> x = reference.features;
    const auto& scale = store->MotifScale(0);
    for (const auto& [region, d] : deltas)
      for (std::size_t k = 0; k < d.features.size(); ++k) {
        const std::uint32_t j = d.features[k];
        x[RowOf(region) * (kMotifs + 1) + j] =
            std::min((HandMotif(region, j) + d.deltas[k]) * scale[j], 1.0f);
      }
    return torch::tensor(x).reshape({1, kRegionsPerWindow, kMotifs + 1});
  }
  float Output(const torch::Tensor& x) const {
    torch::NoGradGuard no_grad;
    return model->Forward(x, {}).expression[0][task.window.row][0].item<float>();
  }
};

TEST(VariantScorer, AltIsTheModelOnTheEditedWindowAndTheEstimateIsItsGradientTimesDelta) {
  Fixture f;
  ASSERT_EQ(f.task.gene.strand, '+');
  const SparseDelta a{{0, 2}, {3, -1}}, clipped{{1}, {100}}, far{{0}, {5}}, second{{4}, {2}};
  const std::vector<AlleleChange> changes{{0, {{505, &a}}},
                                          {1, {{498, &clipped}}},
                                          {2, {{900, &far}}},
                                          {3, {{505, &a}, {510, &second}}}};
  VariantScorer scorer(*f.model, *f.store, torch::kCPU, {AtacMode::kQuantitative, 2});
  const auto effects = scorer.Score(f.task, changes);
  ASSERT_EQ(effects.size(), 4u);

  const torch::Tensor x0 = f.Edited({});
  const float ref = f.Output(x0);
  for (const auto& e : effects) EXPECT_NEAR(e.ref, ref, 1e-5);
  EXPECT_NEAR(effects[0].alt, f.Output(f.Edited({{505, a}})), 1e-5);
  EXPECT_NEAR(effects[1].alt, f.Output(f.Edited({{498, clipped}})), 1e-5);
  EXPECT_EQ(effects[2].alt, effects[2].ref);  // region 900 is not in the window
  EXPECT_EQ(effects[2].grad_x_delta, 0.0f);
  EXPECT_NEAR(effects[3].alt, f.Output(f.Edited({{505, a}, {510, second}})), 1e-5);
  EXPECT_NE(effects[0].alt, effects[0].ref);

  // The estimate: dE/dX at the reference, times the change of the inputs.
  const auto input = x0.clone().requires_grad_(true);
  f.model->Forward(input, {}).expression[0][f.task.window.row][0].backward();
  for (std::size_t i : {0u, 1u, 3u}) {
    std::vector<std::pair<std::uint32_t, SparseDelta>> on;
    for (const auto& [region, d] : changes[i].regions) on.emplace_back(region, *d);
    const float expected = (input.grad() * (f.Edited(on) - x0)).sum().item<float>();
    EXPECT_NEAR(effects[i].grad_x_delta, expected, 1e-5 + 1e-4 * std::abs(expected)) << i;
  }
}

TEST(VariantScorer, ASmallChangeIsEstimatedToFirstOrder) {
  Fixture f;
  const SparseDelta small{{0, 3}, {0.05f, -0.05f}};
  VariantScorer scorer(*f.model, *f.store, torch::kCPU, {});
  const auto e = scorer.Score(f.task, {{0, {{f.reference.region_ids[f.task.window.row], &small}}}});
  const double actual = static_cast<double>(e[0].alt) - e[0].ref;
  ASSERT_GT(std::abs(actual), 1e-6);
  EXPECT_NEAR(e[0].grad_x_delta, actual, 0.2 * std::abs(actual));
}

TEST(VariantScorer, RefusesAPretrainingModel) {
  Fixture f;
  auto pretrain = TinyModel(RegionTask::kPretrain);
  VariantScorer scorer(*pretrain, *f.store, torch::kCPU, {});
  const SparseDelta a{{0}, {1}};
  EXPECT_THROW(scorer.Score(f.task, {{0, {{505, &a}}}}), Error);
}

}  // namespace
}  // namespace getps
