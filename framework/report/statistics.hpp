#pragma once
// Summary statistics across seed replicates: mean, sample standard deviation, and the 95%
// Student-t confidence interval of the mean.
#include <vector>

namespace ns::report {

// What a report cell shows. Fields that n does not define are NaN: std and the interval need
// n >= 2, the mean n >= 1.
struct Estimate {
  int n = 0;
  double mean;
  double std;              // sample standard deviation (n - 1 in the denominator)
  double ci_low, ci_high;  // mean -+ t_{0.975, n-1} * std / sqrt(n)
  Estimate();
};

Estimate estimate(const std::vector<double>& samples);

// The 0.975 quantile of Student's t distribution with `df` degrees of freedom (df >= 1; throws
// Error otherwise): exact to 1e-12 for df <= 30 (a table), and within 1e-6 beyond (the
// Cornish-Fisher expansion around the normal quantile 1.959964, its limit).
double t_quantile_975(int df);

}  // namespace ns::report
