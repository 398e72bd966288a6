// Regression metrics over whole evaluation sets (never means of per-batch
// values): Pearson, Spearman (Pearson of average ranks, ties shared) and
// R^2 = 1 - SS_res / SS_tot. Undefined values (fewer than 2 points, zero
// variance) are NaN.
#pragma once

#include <cstddef>
#include <vector>

namespace getps {

struct RegressionMetrics {
  std::size_t n = 0;
  double pearson = 0;
  double spearman = 0;
  double r2 = 0;
};

RegressionMetrics ComputeRegressionMetrics(const std::vector<double>& predicted,
                                           const std::vector<double>& observed);

double Pearson(const std::vector<double>& x, const std::vector<double>& y);
// Pearson where it is defined for a per-gene figure: NaN unless there are
// at least three pairs and both series vary.
double PearsonOrNan(const std::vector<double>& x, const std::vector<double>& y);
// The median of `values` (the mean of the middle two for an even count); NaN for none.
double Median(std::vector<double> values);
std::vector<double> AverageRanks(const std::vector<double>& x);

}  // namespace getps
