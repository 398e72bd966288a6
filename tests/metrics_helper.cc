// Helper of metrics_test.py: reads "predicted observed" pairs from standard
// input and prints n, Pearson, Spearman and R^2 of worker/metrics.
#include <cstdio>
#include <iostream>
#include <vector>

#include "worker/metrics.h"

int main() {
  std::vector<double> p, o;
  double a, b;
  while (std::cin >> a >> b) {
    p.push_back(a);
    o.push_back(b);
  }
  const getps::RegressionMetrics m = getps::ComputeRegressionMetrics(p, o);
  std::printf("%zu %.17g %.17g %.17g\n", m.n, m.pearson, m.spearman, m.r2);
  return 0;
}
