#include "worker/cis_ridge.h"

#include <cmath>
#include <limits>

namespace getps {
namespace {

using Matrix = std::vector<std::vector<double>>;

// In-place Cholesky factor of a symmetric positive definite `a` (lower).
void Cholesky(Matrix& a) {
  const std::size_t n = a.size();
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j][j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j][k] * a[j][k];
    a[j][j] = std::sqrt(std::max(d, 1e-300));
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i][j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i][k] * a[j][k];
      a[i][j] = s / a[j][j];
    }
  }
}

// Solves L L' z = b for the factor of Cholesky.
std::vector<double> Solve(const Matrix& l, std::vector<double> b) {
  const std::size_t n = l.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < i; ++k) b[i] -= l[i][k] * b[k];
    b[i] /= l[i][i];
  }
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t k = i + 1; k < n; ++k) b[i] -= l[k][i] * b[k];
    b[i] /= l[i][i];
  }
  return b;
}

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

RidgeFit FitRidge(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                  std::span<const double> lambdas) {
  RidgeFit fit;
  const std::size_t n = y.size(), p = x.empty() ? 0 : x[0].size();
  for (const double v : y) fit.intercept += v / static_cast<double>(n);
  fit.column_means.assign(p, 0.0);
  for (const auto& row : x)
    for (std::size_t j = 0; j < p; ++j) fit.column_means[j] += row[j] / static_cast<double>(n);
  fit.x = x;
  for (auto& row : fit.x)
    for (std::size_t j = 0; j < p; ++j) row[j] -= fit.column_means[j];
  Matrix kernel(n, std::vector<double>(n));
  double trace = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k <= i; ++k) kernel[i][k] = kernel[k][i] = Dot(fit.x[i], fit.x[k]);
    trace += kernel[i][i];
  }
  fit.alpha.assign(n, 0.0);
  if (trace <= 0 || n < 2) return fit;  // nothing varies: the mean
  std::vector<double> centred(y);
  for (double& v : centred) v -= fit.intercept;
  double best = std::numeric_limits<double>::infinity();
  for (const double scale : lambdas) {
    const double lambda = scale * trace / static_cast<double>(n);  // relative to the mean variance
    Matrix l = kernel;
    for (std::size_t i = 0; i < n; ++i) l[i][i] += lambda;
    Cholesky(l);
    const std::vector<double> alpha = Solve(l, centred);
    // H = K (K + lambda I)^-1 = I - lambda (K + lambda I)^-1, so the LOO
    // residual is alpha_i / [(K + lambda I)^-1]_ii.
    double loo = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> e(n, 0.0);
      e[i] = 1;
      const double inverse_ii = Solve(l, e)[i];
      loo += std::pow(alpha[i] / inverse_ii, 2);
    }
    if (loo < best) {
      best = loo;
      fit.alpha = alpha;
      fit.lambda = lambda;
    }
  }
  return fit;
}

double PredictRidge(const RidgeFit& fit, const std::vector<double>& dosages) {
  std::vector<double> centred(dosages);
  for (std::size_t j = 0; j < centred.size(); ++j) centred[j] -= fit.column_means[j];
  double out = fit.intercept;
  for (std::size_t i = 0; i < fit.x.size(); ++i) out += fit.alpha[i] * Dot(fit.x[i], centred);
  return out;
}

}  // namespace getps
