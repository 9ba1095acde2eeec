#include "report/statistics.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace ns::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// t_{0.975, df} for df = 1..30, from the regularized incomplete beta function (mpmath, 30
// digits). Small df is where the normal approximation is worst and where studies live (3-10
// seeds), so it is tabulated rather than approximated.
constexpr std::array<double, 30> kT975 = {
    12.7062047361747, 4.30265272974946, 3.18244630528371, 2.77644510519779, 2.57058183563632,
    2.44691185114497, 2.36462425159279, 2.30600413520417, 2.26215716279821, 2.22813885198627,
    2.20098516009164, 2.17881282966723, 2.16036865646279, 2.14478668791780, 2.13144954555978,
    2.11990529922125, 2.10981557783332, 2.10092204024104, 2.09302405440831, 2.08596344726586,
    2.07961384472768, 2.07387306790403, 2.06865761041905, 2.06389856162803, 2.05953855275330,
    2.05552943864287, 2.05183051648029, 2.04840714179525, 2.04522964213270, 2.04227245630124};

constexpr double kZ975 = 1.95996398454005;  // the standard normal 0.975 quantile

}  // namespace

Estimate::Estimate() : mean(kNaN), std(kNaN), ci_low(kNaN), ci_high(kNaN) {}

Estimate estimate(const std::vector<double>& samples) {
  Estimate e;
  e.n = int(samples.size());
  if (e.n == 0) return e;
  double sum = 0;
  for (double x : samples) sum += x;
  e.mean = sum / e.n;
  if (e.n < 2) return e;
  double squares = 0;
  for (double x : samples) squares += (x - e.mean) * (x - e.mean);
  e.std = std::sqrt(squares / (e.n - 1));
  const double half_width = t_quantile_975(e.n - 1) * e.std / std::sqrt(double(e.n));
  e.ci_low = e.mean - half_width;
  e.ci_high = e.mean + half_width;
  return e;
}

double t_quantile_975(int df) {
  if (df < 1)
    throw Error(fmt::format("the t distribution needs at least 1 degree of freedom, not {}", df));
  if (df <= int(kT975.size())) return kT975[df - 1];
  // Cornish-Fisher expansion of t in powers of 1/df (Abramowitz & Stegun 26.7.5); its error at
  // df = 31 is below 1e-7 and shrinks as df^-5.
  const double z = kZ975, v = df;
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v) +
         (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v * v * v * v);
}

}  // namespace ns::report
