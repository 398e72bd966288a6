#include "worker/batch_loss.h"

#include <gtest/gtest.h>

namespace getps {
namespace {

// The definition, pair by pair: 0.5 x the masked MSE + 0.5 x the mean over
// every entry and every pair of windows holding it of the squared
// difference between their prediction differences and target differences.
double BruteForce(const torch::Tensor& p, const torch::Tensor& t, const torch::Tensor& m) {
  const auto P = p.accessor<float, 3>(), T = t.accessor<float, 3>(), M = m.accessor<float, 3>();
  double se = 0, n = 0, pair_se = 0, pairs = 0;
  for (int b = 0; b < p.size(0); ++b)
    for (int r = 0; r < p.size(1); ++r)
      for (int s = 0; s < 2; ++s) {
        if (M[b][r][s] == 0) continue;
        se += std::pow(P[b][r][s] - T[b][r][s], 2.0), ++n;
        for (int c = b + 1; c < p.size(0); ++c) {
          if (M[c][r][s] == 0) continue;
          const double d = (P[b][r][s] - P[c][r][s]) - (T[b][r][s] - T[c][r][s]);
          pair_se += d * d, ++pairs;
        }
      }
  return 0.5 * se / n + 0.5 * pair_se / pairs;
}

TEST(VariformerLoss, IsHalfTheMseAndHalfThePairwiseDifferencesMse) {
  torch::manual_seed(3);
  const auto predicted = torch::rand({5, 4, 2});
  const auto target = torch::rand({5, 4, 2});
  auto mask = (torch::rand({5, 4, 2}) < 0.6).to(torch::kFloat);
  mask.index_put_({0, 1, 0}, 1.0);
  mask.index_put_({1, 1, 0}, 1.0);
  EXPECT_NEAR(VariformerLoss(predicted, target, mask).item<double>(),
              BruteForce(predicted, target, mask), 1e-6);
  // One window: no pairs, half the MSE.
  const auto one = torch::ones({1, 4, 2});
  EXPECT_NEAR(VariformerLoss(predicted.slice(0, 0, 1), target.slice(0, 0, 1), one).item<double>(),
              0.5 * (predicted[0] - target[0]).pow(2).mean().item<double>(), 1e-6);
  // A prediction off by the same amount for everyone costs only its MSE.
  const auto shifted = target + 0.3;
  EXPECT_NEAR(VariformerLoss(shifted, target, torch::ones_like(target)).item<double>(), 0.5 * 0.09,
              1e-6);
}

TEST(VariformerLoss, ItsGradientReachesOnlyMaskedEntries) {
  auto predicted = torch::rand({3, 2, 2}).requires_grad_(true);
  auto mask = torch::zeros({3, 2, 2});
  mask.index_put_({torch::indexing::Slice(), 0, 0}, 1.0);
  VariformerLoss(predicted, torch::rand({3, 2, 2}), mask).backward();
  const auto g = predicted.grad();
  EXPECT_GT(g.index({torch::indexing::Slice(), 0, 0}).abs().sum().item<double>(), 0);
  EXPECT_EQ(g.index({torch::indexing::Slice(), 1}).abs().sum().item<double>(), 0);
}

}  // namespace
}  // namespace getps
