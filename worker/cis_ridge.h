// CisRidge: Variformer's linear baseline for one gene, a proxy for its cis
// heritability: ridge regression of the gene's expression on the dosages of
// the variants in its window, fitted on the training people. Solved in the
// dual (an n x n system for n people, whatever the number of variants), with
// the ridge penalty chosen from a grid by leave-one-out error (closed form:
// e_i / (1 - H_ii)). Columns are centred on the training people; constant
// ones are dropped. Pure functions, no state.
#pragma once

#include <span>
#include <vector>

namespace getps {

struct RidgeFit {
  std::vector<std::vector<double>> x;  // the training people's centred dosages
  std::vector<double> column_means;
  std::vector<double> alpha;  // dual weights
  double intercept = 0;       // the training people's mean expression
  double lambda = 0;          // chosen
};

// Default grid of penalties, times the number of variants.
inline constexpr double kRidgeLambdas[] = {0.01, 0.1, 1, 10, 100};

// `x[i]` the dosages of person i (the same length for all), `y[i]` their
// expression. With no variant (or none varying) the fit is the mean.
RidgeFit FitRidge(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                  std::span<const double> lambdas = kRidgeLambdas);

double PredictRidge(const RidgeFit& fit, const std::vector<double>& dosages);

}  // namespace getps
