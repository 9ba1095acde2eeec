#pragma once
// Equal-width histograms of float data for the archive's plots. Bin membership is decided in
// float64 against the stored edges themselves, so a reader who re-bins a value with the edges
// gets the same bin, and every value is counted exactly once.
//
// Values that do not fit in memory at once (a layer's pre-activations over the whole test set)
// are binned in two passes over the same chunks: ValueRange::include on every chunk, then
// empty_histogram, then add_to_histogram on every chunk. histogram() is both passes over one
// array.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ns {

inline constexpr int kHistogramBins = 60;

// counts[i] = the number of values v with edges[i] <= v < edges[i + 1]; the last bin is closed,
// so it also holds v == edges.back(). edges[i] = min + (max - min) * i / bins, edges.back() = max.
struct Histogram {
  std::vector<double> edges;         // bins + 1, non-decreasing
  std::vector<std::int64_t> counts;  // bins

  int bins() const { return static_cast<int>(counts.size()); }
  std::int64_t total() const;
};

// The smallest and largest of a stream of values, and how many there were.
struct ValueRange {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::int64_t count = 0;

  // Throws Error for a NaN or infinite value: it has no bin.
  void include(const float* values, std::int64_t n);
};

// Equal-width edges over [range.min, range.max] and zero counts. A range of one value is
// widened to +-0.5 around it (a relative 2^-40 beyond 2^39, where 0.5 would vanish in float64,
// so that the edges stay distinct); no values at all give [-0.5, 0.5]. Throws Error for bins < 1.
Histogram empty_histogram(const ValueRange& range, int bins = kHistogramBins);

// Counts `values` into `h`. Throws Error for a value that is not finite or lies outside the
// edges (the range pass did not see it); `h` is then unchanged.
void add_to_histogram(Histogram& h, const float* values, std::int64_t n);

// Both passes over one array.
Histogram histogram(const float* values, std::int64_t n, int bins = kHistogramBins);

// "" for a histogram that could have come from the functions above (at least one bin,
// bins + 1 edges, no negative count), otherwise what is wrong: decoders refuse malformed input.
std::string histogram_problem(const Histogram& h);

}  // namespace ns
