#include "eval/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <Eigen/Core>

#include "core/error.hpp"

namespace ns {
namespace {

Eigen::Map<const Eigen::ArrayXf> as_array(const float* values, std::int64_t n) {
  return {values, static_cast<Eigen::Index>(n)};
}

// The first value that is not finite, described for an error message.
std::string first_non_finite(const float* values, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(values[i])) return fmt::format("value {} is {}", i, values[i]);
  return "no value is non-finite";
}

// Half the width given to a range of one value: 0.5, unless the value is so large that
// value +- 0.5 rounds back to the value in float64.
double widening(double value) {
  return std::max(0.5, std::abs(value) * 0x1p-40);
}

}  // namespace

std::int64_t Histogram::total() const {
  return std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
}

void ValueRange::include(const float* values, std::int64_t n) {
  if (n <= 0) return;
  const auto a = as_array(values, n);
  if (!a.allFinite())
    throw Error(fmt::format("cannot bin non-finite data: {}", first_non_finite(values, n)));
  min = std::min(min, double(a.minCoeff()));
  max = std::max(max, double(a.maxCoeff()));
  count += n;
}

Histogram empty_histogram(const ValueRange& range, int bins) {
  if (bins < 1) throw Error(fmt::format("a histogram needs at least one bin, not {}", bins));
  double lo = range.min, hi = range.max;
  if (range.count == 0) {
    lo = -0.5;
    hi = 0.5;
  } else if (lo == hi) {
    const double half = widening(lo);
    lo -= half;
    hi += half;
  }
  Histogram h;
  h.edges.resize(std::size_t(bins) + 1);
  for (int i = 0; i < bins; ++i) h.edges[i] = lo + (hi - lo) * i / bins;
  h.edges[bins] = hi;  // exactly max, whatever the rounding above
  h.counts.assign(std::size_t(bins), 0);
  return h;
}

void add_to_histogram(Histogram& h, const float* values, std::int64_t n) {
  if (const std::string problem = histogram_problem(h); !problem.empty())
    throw Error(fmt::format("cannot count into a malformed histogram: {}", problem));
  const int bins = h.bins();
  const std::vector<double>& edges = h.edges;
  const double lo = edges.front(), hi = edges.back();
  const double per_unit = bins / (hi - lo);
  // Counted apart and added at the end, so that a refused value leaves `h` unchanged.
  std::vector<std::int64_t> counts(std::size_t(bins), 0);
  for (std::int64_t k = 0; k < n; ++k) {
    const double v = values[k];
    if (!(v >= lo && v <= hi)) {  // also false for NaN
      throw Error(
          fmt::format("value {} = {} lies outside the histogram's range [{}, {}]", k, v, lo, hi));
    }
    // The arithmetic guess may round across an edge; the stored edges decide, so the counts
    // agree with anyone who re-bins a value against them.
    // guess >= 0 here; it is NaN only for edges that span nothing (hi == lo).
    const double guess = (v - lo) * per_unit;
    int i = guess < bins ? static_cast<int>(guess) : bins - 1;
    while (i > 0 && v < edges[i]) --i;
    while (i + 1 < bins && v >= edges[i + 1]) ++i;
    ++counts[i];
  }
  for (int i = 0; i < bins; ++i) h.counts[i] += counts[i];
}

Histogram histogram(const float* values, std::int64_t n, int bins) {
  ValueRange range;
  range.include(values, n);
  Histogram h = empty_histogram(range, bins);
  add_to_histogram(h, values, n);
  return h;
}

std::string histogram_problem(const Histogram& h) {
  if (h.counts.empty()) return "it has no bins";
  if (h.edges.size() != h.counts.size() + 1)
    return fmt::format("{} edges for {} bins", h.edges.size(), h.counts.size());
  for (std::size_t i = 0; i < h.counts.size(); ++i)
    if (h.counts[i] < 0) return fmt::format("bin {} has a negative count {}", i, h.counts[i]);
  return "";
}

}  // namespace ns
