#include "worker/cis_ridge.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/random.h"

namespace getps {
namespace {

// n people with two dosage columns (0, 1, 2) and y = 0.8 x0 + 1 + noise.
void Cohort(std::size_t n, double noise, std::vector<std::vector<double>>* x,
            std::vector<double>* y) {
  Rng rng(9);
  for (std::size_t i = 0; i < n; ++i) {
    x->push_back({static_cast<double>(rng.Below(3)), static_cast<double>(rng.Below(3))});
    y->push_back(0.8 * x->back()[0] + 1 + noise * (rng.Uniform() - 0.5));
  }
}

TEST(CisRidge, TheDualFitIsThePrimalRidgeSolution) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  Cohort(40, 0.5, &x, &y);
  const RidgeFit fit = FitRidge(x, y);
  ASSERT_GT(fit.lambda, 0);
  // Primal: w = (Xc'Xc + lambda I)^-1 Xc'yc, by hand for two columns.
  double m0 = 0, m1 = 0, my = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    m0 += x[i][0] / 40, m1 += x[i][1] / 40, my += y[i] / 40;
  double a = fit.lambda, b = 0, d = fit.lambda, r0 = 0, r1 = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double u = x[i][0] - m0, v = x[i][1] - m1;
    a += u * u, b += u * v, d += v * v, r0 += u * (y[i] - my), r1 += v * (y[i] - my);
  }
  const double det = a * d - b * b, w0 = (d * r0 - b * r1) / det, w1 = (a * r1 - b * r0) / det;
  for (const std::vector<double>& z : {std::vector<double>{0, 0}, {2, 1}, {1, 2}})
    EXPECT_NEAR(PredictRidge(fit, z), my + w0 * (z[0] - m0) + w1 * (z[1] - m1), 1e-9);
  EXPECT_NEAR(w0, 0.8, 0.15);  // the planted effect
  EXPECT_NEAR(w1, 0.0, 0.15);
}

TEST(CisRidge, LeaveOneOutShrinksNoiseAndKeepsSignal) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  Cohort(60, 0.01, &x, &y);
  // A clean signal: the least penalty of the grid.
  EXPECT_EQ(FitRidge(x, y).lambda, FitRidge(x, y, std::vector<double>{0.01}).lambda);
  Rng rng(3);
  for (double& v : y) v = rng.Uniform();  // no signal at all
  const double largest = FitRidge(x, y, std::vector<double>{100}).lambda;
  EXPECT_EQ(FitRidge(x, y).lambda, largest);
}

TEST(CisRidge, WithoutVaryingDosagesTheFitIsTheMean) {
  const std::vector<std::vector<double>> x(5, std::vector<double>{1, 0});
  const std::vector<double> y{1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(PredictRidge(FitRidge(x, y), {2, 2}), 3.0);
  EXPECT_DOUBLE_EQ(PredictRidge(FitRidge({{}, {}, {}}, {1, 2, 6}), {}), 3.0);
}

}  // namespace
}  // namespace getps
