#include "worker/attribution.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <cstdint>

#include "common/error.h"
#include "worker/model/get_model.h"
#include "worker/model/region_model.h"

namespace getps {
namespace {

using torch::indexing::Slice;

constexpr std::int64_t kFeatures = 12, kRegions = 7, kDim = 8;

std::unique_ptr<RegionModel> TinyModel(RegionTask task, ModelKind kind = ModelKind::kGet) {
  torch::manual_seed(11);
  GetModelConfig c = GetModelConfig::Small(kFeatures);
  c.dim = kDim;
  c.depth = 2;
  c.heads = 2;
  c.task = task;
  auto model = MakeRegionModel(kind, c);
  model->module().eval();
  model->module().to(torch::kFloat64);
  return model;
}

torch::Tensor Inputs(std::int64_t windows) {
  torch::manual_seed(5);
  // Non-negative like motif scores, with exact zeros the ism skips.
  auto x = torch::rand({windows, kRegions, kFeatures}, torch::kFloat64);
  return x * (x > 0.3).to(torch::kFloat64);
}

// E of window 0 at `t`, no gradient.
double Output(RegionModel& model, const torch::Tensor& x, AttributionTarget t) {
  torch::NoGradGuard no_grad;
  auto out = model.Forward(x.unsqueeze(0), {});
  if (model.task() == RegionTask::kExpression)
    return out.expression[0][t.row][t.strand].item<double>();
  return out.accessibility[0][t.row].item<double>();
}

// Central differences of E with respect to every entry of x.
torch::Tensor NumericGradient(RegionModel& model, const torch::Tensor& x, AttributionTarget t) {
  constexpr double h = 1e-6;
  auto grad = torch::zeros_like(x);
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    for (std::int64_t f = 0; f < x.size(1); ++f) {
      auto up = x.clone(), down = x.clone();
      up[i][f] += h;
      down[i][f] -= h;
      grad[i][f] = (Output(model, up, t) - Output(model, down, t)) / (2 * h);
    }
  }
  return grad;
}

void ExpectClose(const torch::Tensor& got, const torch::Tensor& want, double rel) {
  const double scale = want.abs().max().item<double>();
  ASSERT_GT(scale, 0);
  const auto err = (got - want).abs() / torch::clamp_min(want.abs(), 1e-3 * scale);
  EXPECT_LT(err.max().item<double>(), rel) << "got\n" << got << "\nwant\n" << want;
}

TEST(Attribution, InputTimesGradientMatchesCentralDifferences) {
  auto model = TinyModel(RegionTask::kExpression);
  const auto x = Inputs(2);
  const std::vector<AttributionTarget> targets{{3, 0}, {5, 1}};
  const auto a = Attribute(*model, x, targets, {AttributionMethod::kInputXGrad});
  const auto g = Attribute(*model, x, targets, {AttributionMethod::kGrad});
  for (std::int64_t w = 0; w < 2; ++w) {
    const auto numeric = NumericGradient(*model, x[w], targets[static_cast<std::size_t>(w)]);
    ExpectClose(a.motif[w], (numeric * x[w]).sum(0), 1e-3);
    ExpectClose(g.motif[w], numeric.sum(0), 1e-3);
    EXPECT_NEAR(a.output[w].item<double>(),
                Output(*model, x[w], targets[static_cast<std::size_t>(w)]), 1e-12);
  }
  // The parameters' gradients are left alone.
  for (const auto& p : model->module().parameters()) EXPECT_FALSE(p.grad().defined());
}

// The embedding is region_embed(x) = W x + b with W [D, F] of full row
// rank (F > D), so moving x_i by pinv(W) e_d moves region i's embedding by
// exactly e_d: central differences along the embedding's own axes.
TEST(Attribution, RegionJacobianNormMatchesCentralDifferences) {
  auto model = TinyModel(RegionTask::kExpression);
  const auto x = Inputs(1)[0];
  const AttributionTarget t{2, 1};
  const auto a = Attribute(*model, x.unsqueeze(0), {t}, {});
  const auto w = model->module().named_parameters()["region_embed.embed.weight"];
  const auto pinv = torch::linalg_pinv(w.detach());  // [F, D]
  constexpr double h = 1e-6;
  auto norms = torch::zeros({kRegions}, torch::kFloat64);
  for (std::int64_t i = 0; i < kRegions; ++i) {
    double sq = 0;
    for (std::int64_t d = 0; d < kDim; ++d) {
      auto up = x.clone(), down = x.clone();
      up[i] += h * pinv.index({Slice(), d});
      down[i] -= h * pinv.index({Slice(), d});
      const double partial = (Output(*model, up, t) - Output(*model, down, t)) / (2 * h);
      sq += partial * partial;
    }
    norms[i] = std::sqrt(sq);
  }
  ExpectClose(a.region_norm[0], norms, 1e-3);
}

TEST(Attribution, InSilicoMutationZeroesOneEntryAtATime) {
  auto model = TinyModel(RegionTask::kExpression);
  const auto x = Inputs(2);
  const std::vector<AttributionTarget> targets{{0, 0}, {6, 1}};
  // A batch smaller than the entries of a window: several forward passes.
  const auto a = Attribute(*model, x, targets, {AttributionMethod::kIsm, 5});
  for (std::int64_t w = 0; w < 2; ++w) {
    const auto t = targets[static_cast<std::size_t>(w)];
    const double base = Output(*model, x[w], t);
    for (std::int64_t f = 0; f < kFeatures; ++f) {
      double want = 0;
      for (std::int64_t i = 0; i < kRegions; ++i) {
        auto mutated = x[w].clone();
        mutated[i][f] = 0;
        want += base - Output(*model, mutated, t);
      }
      EXPECT_NEAR(a.motif[w][f].item<double>(), want, 1e-12) << "window " << w << " feature " << f;
    }
  }
}

TEST(Attribution, WindowsOfABatchDoNotMix) {
  auto model = TinyModel(RegionTask::kExpression);
  const auto x = Inputs(3);
  const std::vector<AttributionTarget> targets{{1, 0}, {4, 1}, {6, 0}};
  const auto together = Attribute(*model, x, targets, {});
  for (std::int64_t w = 0; w < 3; ++w) {
    const auto alone =
        Attribute(*model, x.index({Slice(w, w + 1)}), {targets[static_cast<std::size_t>(w)]}, {});
    EXPECT_TRUE(torch::allclose(together.motif[w], alone.motif[0], 1e-10, 1e-12));
    EXPECT_TRUE(torch::allclose(together.region_norm[w], alone.region_norm[0], 1e-10, 1e-12));
  }
}

TEST(Attribution, AccessibilityModelsAndTheMlpBaseline) {
  auto atac = TinyModel(RegionTask::kAccessibility);
  const auto x = Inputs(1);
  const AttributionTarget t{3, 1};  // the strand is ignored
  const auto a = Attribute(*atac, x, {t}, {AttributionMethod::kGrad});
  ExpectClose(a.motif[0], NumericGradient(*atac, x[0], t).sum(0), 1e-3);

  // The MLP sees one region: only the target's embedding matters.
  auto mlp = TinyModel(RegionTask::kExpression, ModelKind::kMlp);
  const auto m = Attribute(*mlp, x, {t}, {});
  EXPECT_GT(m.region_norm[0][3].item<double>(), 0);
  EXPECT_EQ(m.region_norm[0].sum().item<double>(), m.region_norm[0][3].item<double>());
}

TEST(Attribution, RefusesWhatItCannotExplain) {
  auto pretrain = TinyModel(RegionTask::kPretrain);
  const auto x = Inputs(1);
  EXPECT_THROW(Attribute(*pretrain, x, {{0, 0}}, {}), Error);
  auto model = TinyModel(RegionTask::kExpression);
  EXPECT_THROW(Attribute(*model, x, {{kRegions, 0}}, {}), Error);
  EXPECT_THROW(Attribute(*model, x, {{0, 2}}, {}), Error);
  EXPECT_THROW(Attribute(*model, x, {{0, 0}, {1, 0}}, {}), Error);
  EXPECT_EQ(kAttributionMethods.Parse("--method", "ism"), AttributionMethod::kIsm);
  EXPECT_THROW(kAttributionMethods.Parse("--method", "shap"), Error);
}

}  // namespace
}  // namespace getps
