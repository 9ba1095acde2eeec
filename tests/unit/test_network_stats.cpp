// Histograms and network statistics: bin edge cases against a naive loop over the edges, row
// statistics against float64 loops, and hidden-layer histograms against a forward pass by hand.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "config/run_file.hpp"
#include "core/error.hpp"
#include "engine/network.hpp"
#include "eval/network_stats.hpp"
#include "train/run.hpp"

using namespace ns;
using Catch::Matchers::Contains;

namespace {

// The definition, one value and one bin at a time: bin i holds edges[i] <= v < edges[i + 1],
// and the last bin also holds v == edges.back().
std::vector<std::int64_t> naive_counts(const std::vector<double>& values,
                                       const std::vector<double>& edges) {
  const std::size_t bins = edges.size() - 1;
  std::vector<std::int64_t> counts(bins, 0);
  for (double v : values) {
    for (std::size_t i = 0; i < bins; ++i) {
      const bool last = i + 1 == bins;
      if (edges[i] <= v && (v < edges[i + 1] || (last && v == edges[i + 1]))) {
        ++counts[i];
        break;
      }
    }
  }
  return counts;
}

// The expected histogram of `values`, computed without the code under test.
Histogram naive_histogram(const std::vector<double>& values, int bins = kHistogramBins) {
  double lo = *std::min_element(values.begin(), values.end());
  double hi = *std::max_element(values.begin(), values.end());
  if (lo == hi) lo -= 0.5, hi += 0.5;
  Histogram h;
  for (int i = 0; i < bins; ++i) h.edges.push_back(lo + (hi - lo) * i / bins);
  h.edges.push_back(hi);
  h.counts = naive_counts(values, h.edges);
  return h;
}

void check_same(const Histogram& got, const Histogram& expected) {
  REQUIRE(got.edges.size() == expected.edges.size());
  CHECK(got.edges.front() == expected.edges.front());
  CHECK(got.edges.back() == expected.edges.back());
  for (std::size_t i = 0; i < got.edges.size(); ++i)
    CHECK(got.edges[i] == Approx(expected.edges[i]).epsilon(1e-15).margin(1e-300));
  CHECK(got.counts == expected.counts);
}

std::vector<double> widened(const std::vector<float>& values) {
  return {values.begin(), values.end()};
}

Histogram histogram_of(const std::vector<float>& values) {
  return histogram(values.data(), std::int64_t(values.size()));
}

// Uniform in [-1, 1], from a seeded generator.
Eigen::MatrixXf random_matrix(Index rows, Index cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1, 1);
  Eigen::MatrixXf m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  return m;
}

}  // namespace

// ----- histograms -----

TEST_CASE("histogram: constant data is widened by 0.5 each way", "[stats]") {
  const std::vector<float> values(17, 3.25f);
  const Histogram h = histogram_of(values);
  REQUIRE(h.bins() == 60);
  REQUIRE(h.edges.size() == 61);
  CHECK(h.edges.front() == 2.75);
  CHECK(h.edges.back() == 3.75);
  CHECK(h.edges[30] == 3.25);
  CHECK(h.counts[30] == 17);  // the value is bin 30's lower edge
  CHECK(h.total() == 17);
  check_same(h, naive_histogram(widened(values)));

  SECTION("so large that 0.5 would vanish in float64") {
    const std::vector<float> huge(5, 1e30f);
    const double value = 1e30f;
    const Histogram big = histogram_of(huge);
    CHECK(big.edges.front() < value);
    CHECK(big.edges.back() > value);
    CHECK(std::adjacent_find(big.edges.begin(), big.edges.end(), std::greater_equal<>()) ==
          big.edges.end());  // strictly increasing
    CHECK(big.total() == 5);
  }
  SECTION("no values at all") {
    const Histogram none = histogram(nullptr, 0);
    CHECK(none.edges.front() == -0.5);
    CHECK(none.edges.back() == 0.5);
    CHECK(none.total() == 0);
  }
}

TEST_CASE("histogram: min lands in the first bin, max in the last", "[stats]") {
  const std::vector<float> values{0.1f, 0.7f, 0.3f, 0.7f, 0.1f, 0.5f};
  const Histogram h = histogram_of(values);
  CHECK(h.edges.front() == double(0.1f));
  CHECK(h.edges.back() == double(0.7f));
  CHECK(h.counts.front() == 2);
  CHECK(h.counts.back() == 2);
  CHECK(h.total() == 6);
  check_same(h, naive_histogram(widened(values)));
}

TEST_CASE("histogram: values on the edges go to the bin they open", "[stats]") {
  // Over [0, 60] the edges are the integers, so every integer sits exactly on an edge.
  std::vector<float> values;
  for (int k = 0; k <= 60; ++k) values.push_back(float(k));
  const Histogram h = histogram_of(values);
  for (int i = 0; i <= 60; ++i) CHECK(h.edges[i] == double(i));
  for (int i = 0; i < 59; ++i) CHECK(h.counts[i] == 1);
  CHECK(h.counts[59] == 2);  // 59 and 60: the last bin is closed
  CHECK(h.total() == 61);
}

TEST_CASE("histogram: counts agree with a naive loop over the edges", "[stats]") {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> uniform(0.1f, 0.7f);
  for (int trial = 0; trial < 6; ++trial) {
    DYNAMIC_SECTION("trial " << trial) {
      std::vector<float> values(20000);
      for (float& v : values) v = trial % 2 ? uniform(rng) : normal(rng) * std::pow(10.f, trial);
      // Values that sit on or next to an edge, where float64 rounding decides.
      const Histogram first = histogram_of(values);
      for (int i = 1; i < 60; ++i) {
        values.push_back(float(first.edges[i]));
        values.push_back(std::nextafter(float(first.edges[i]), -INFINITY));
      }
      const Histogram h = histogram_of(values);
      CHECK(h.total() == std::int64_t(values.size()));
      check_same(h, naive_histogram(widened(values)));
    }
  }
}

TEST_CASE("histogram: two passes over blocks give the one-pass histogram", "[stats]") {
  std::mt19937 rng(4);
  std::normal_distribution<float> normal;
  std::vector<float> values(1001);
  for (float& v : values) v = normal(rng);
  ValueRange range;
  for (std::size_t at = 0; at < values.size(); at += 100)
    range.include(values.data() + at, std::int64_t(std::min<std::size_t>(100, values.size() - at)));
  CHECK(range.count == 1001);
  Histogram h = empty_histogram(range);
  CHECK(h.total() == 0);
  for (std::size_t at = 0; at < values.size(); at += 100)
    add_to_histogram(h, values.data() + at,
                     std::int64_t(std::min<std::size_t>(100, values.size() - at)));
  const Histogram once = histogram_of(values);
  CHECK(h.edges == once.edges);
  CHECK(h.counts == once.counts);
}

TEST_CASE("histogram: bad input is refused with a reason", "[stats]") {
  std::vector<float> values{1, 2, std::numeric_limits<float>::quiet_NaN(), 4};
  CHECK_THROWS_WITH(histogram_of(values), Contains("non-finite") && Contains("value 2 is nan"));
  values[2] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(histogram_of(values), Contains("value 2 is inf"));
  CHECK_THROWS_WITH(histogram(values.data(), 2, 0), Contains("at least one bin, not 0"));

  Histogram h = histogram(values.data(), 2);  // [1, 2]
  const Histogram before = h;
  const float outside[] = {1.5f, 2.5f};
  CHECK_THROWS_WITH(add_to_histogram(h, outside, 2), Contains("value 1 = 2.5 lies outside"));
  CHECK(h.counts == before.counts);  // unchanged

  CHECK(histogram_problem(h).empty());
  h.counts[3] = -2;
  CHECK(histogram_problem(h) == "bin 3 has a negative count -2");
  CHECK(histogram_problem(Histogram{}) == "it has no bins");
  CHECK(histogram_problem(Histogram{{0, 1}, {1, 2}}) == "2 edges for 2 bins");
}

// ----- network statistics -----

TEST_CASE("network_stats: row means and stds against float64 loops", "[stats]") {
  const Architecture arch{{6, 5, 4, 3}, Activation::Sigmoid, NoisePlacement::After};
  const Parameters<float> p = init_parameters<float>(arch, rng::Stream(11));
  data::Dataset test;
  test.x = random_matrix(6, 9, 12);
  test.y = Eigen::VectorXi::Zero(9);
  test.classes = 3;
  const NetworkStats s = network_stats(p, test, 4);
  REQUIRE(s.layers.size() == 3);
  REQUIRE(s.hidden.size() == 2);
  CHECK(network_stats_problem(s).empty());
  for (int l = 0; l < 3; ++l) {
    INFO("layer " << l);
    const LayerStats& layer = s.layers[l];
    REQUIRE(layer.row_mean.size() == std::size_t(arch.out(l)));
    REQUIRE(layer.row_std.size() == std::size_t(arch.out(l)));
    for (int i = 0; i < arch.out(l); ++i) {
      double sum = 0;
      for (int j = 0; j < arch.in(l); ++j) sum += double(p.w(l)(i, j));
      const double mean = sum / arch.in(l);
      double squares = 0;
      for (int j = 0; j < arch.in(l); ++j) squares += std::pow(double(p.w(l)(i, j)) - mean, 2);
      CHECK(layer.row_mean[i] == Approx(mean).epsilon(1e-13).margin(1e-16));
      CHECK(layer.row_mean[i] * arch.in(l) == Approx(sum).epsilon(1e-13).margin(1e-15));
      CHECK(layer.row_std[i] == Approx(std::sqrt(squares / arch.in(l))).epsilon(1e-13));
    }
    const std::vector<double> w(p.w(l).data(), p.w(l).data() + p.w(l).size());
    const std::vector<double> b(p.b(l).data(), p.b(l).data() + p.b(l).size());
    check_same(layer.weights, naive_histogram(w));
    check_same(layer.biases, naive_histogram(b));
    CHECK(layer.weights.total() == arch.out(l) * arch.in(l));
    CHECK(layer.biases.total() == arch.out(l));
  }
}

namespace {

// A ReLU network whose weights, biases and inputs are small multiples of 1/4: every sum is
// exact in float32, so the engine's pass and a float64 pass by hand agree bit for bit and
// the histograms must match exactly.
struct ExactCase {
  Parameters<float> p;
  data::Dataset test;
};

ExactCase exact_case() {
  const Architecture arch{{3, 4, 3, 2}, Activation::Relu, NoisePlacement::After};
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> quarter(-8, 8), pixel(-4, 4);
  ExactCase c{Parameters<float>(arch), {}};
  for (Index i = 0; i < c.p.flat().size(); ++i) c.p.flat()[i] = quarter(rng) / 4.0f;
  c.test.x.resize(3, 7);
  for (Index i = 0; i < c.test.x.size(); ++i) c.test.x.data()[i] = float(pixel(rng));
  c.test.y = Eigen::VectorXi::Zero(7);
  c.test.classes = 2;
  return c;
}

// z = W x + b for every sample (columns of x), in float64 loops.
std::vector<std::vector<double>> affine(const Parameters<float>& p, int l,
                                        const std::vector<std::vector<double>>& x) {
  std::vector<std::vector<double>> z(x.size(), std::vector<double>(p.arch().out(l)));
  for (std::size_t s = 0; s < x.size(); ++s)
    for (int i = 0; i < p.arch().out(l); ++i) {
      z[s][i] = p.b(l)(i);
      for (int j = 0; j < p.arch().in(l); ++j) z[s][i] += double(p.w(l)(i, j)) * x[s][j];
    }
  return z;
}

std::vector<double> flatten(const std::vector<std::vector<double>>& rows) {
  std::vector<double> all;
  for (const auto& row : rows) all.insert(all.end(), row.begin(), row.end());
  return all;
}

}  // namespace

TEST_CASE("network_stats: hidden histograms against a forward pass by hand", "[stats]") {
  const ExactCase c = exact_case();
  std::vector<std::vector<double>> x0(7, std::vector<double>(3));
  for (int s = 0; s < 7; ++s)
    for (int j = 0; j < 3; ++j) x0[s][j] = c.test.x(j, s);
  const auto z0 = affine(c.p, 0, x0);
  auto x1 = z0;
  for (auto& row : x1)
    for (double& v : row) v = std::max(v, 0.0);
  const auto z1 = affine(c.p, 1, x1);

  for (const int chunk : {1, 3, 7, 100}) {
    DYNAMIC_SECTION("blocks of " << chunk) {
      const NetworkStats s = network_stats(c.p, c.test, chunk);
      REQUIRE(s.hidden.size() == 2);
      check_same(s.hidden[0].input, naive_histogram(flatten(x0)));
      check_same(s.hidden[0].preactivation, naive_histogram(flatten(z0)));
      check_same(s.hidden[1].input, naive_histogram(flatten(x1)));
      check_same(s.hidden[1].preactivation, naive_histogram(flatten(z1)));
      CHECK(s.hidden[0].preactivation.total() == 7 * 4);
      CHECK(s.hidden[1].input.total() == 7 * 4);
      CHECK(s.hidden[1].preactivation.total() == 7 * 3);
    }
  }
}

TEST_CASE("network_stats: no hidden layers, bad blocks and bad data", "[stats]") {
  const Architecture linear{{3, 2}, Activation::Sigmoid, NoisePlacement::After};
  ExactCase c = exact_case();
  const NetworkStats s = network_stats(init_parameters<float>(linear, rng::Stream(1)), c.test, 5);
  CHECK(s.layers.size() == 1);
  CHECK(s.hidden.empty());
  CHECK(network_stats_problem(s).empty());

  CHECK_THROWS_WITH(network_stats(c.p, c.test, 0), Contains("block size must be >= 1, not 0"));
  data::Dataset wide = c.test;
  wide.x.conservativeResize(4, Eigen::NoChange);
  CHECK_THROWS_WITH(network_stats(c.p, wide, 5), Contains("4 features, the network 3"));
  c.p.w(1)(2, 1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(network_stats(c.p, c.test, 5),
                    Contains("layer 1's weights") && Contains("value 5 is inf"));
}

TEST_CASE("network_stats_problem names what is inconsistent", "[stats]") {
  const ExactCase c = exact_case();
  NetworkStats s = network_stats(c.p, c.test, 7);
  CHECK(network_stats_problem(NetworkStats{}).empty());
  s.layers[2].biases.counts.push_back(0);
  CHECK(network_stats_problem(s) == "layer 2's bias histogram: 61 edges for 61 bins");
  s.layers[2].biases.counts.pop_back();
  s.hidden[1].preactivation.counts[0] = -1;
  CHECK(network_stats_problem(s) ==
        "hidden layer 1's pre-activation histogram: bin 0 has a negative count -1");
  s.hidden.pop_back();
  CHECK(network_stats_problem(s) == "1 hidden layers for 3 layers");
}

TEST_CASE("a run stores the statistics of its final network", "[stats]") {
  const RunConfig cfg = parse_run_text(R"(
seed = 2
[data]
name = "synthetic"
synthetic = {samples = 600, features = 10, classes = 3}
[model]
hidden = [8, 6]
[train]
epochs = 1
[eval]
levels = [0.1]
repetitions = 1
chunk = 50
)",
                                       "stats.toml")
                            .config;
  const RunResult r = execute_run(cfg);
  REQUIRE(r.stats.layers.size() == 3);
  REQUIRE(r.stats.hidden.size() == 2);
  CHECK(r.stats.layers[2].row_mean.size() == 3);
  CHECK(r.stats.layers[1].weights.total() == 6 * 8);
  CHECK(r.stats.hidden[0].input.total() == std::int64_t(r.test_samples) * 10);
  CHECK(r.stats.hidden[1].preactivation.total() == std::int64_t(r.test_samples) * 6);
  // The trained weights, not the initial ones.
  const Eigen::MatrixXd w1 = r.params.w(1).cast<double>();
  CHECK(r.stats.layers[1].row_mean[0] == Approx(w1.row(0).mean()).epsilon(1e-13));
}

// ----- cost (hidden: run with "[.stats-cost]") -----

TEST_CASE("network_stats cost for the paper network on 10k images", "[.stats-cost]") {
  using Clock = std::chrono::steady_clock;
  const Architecture arch{{784, 300, 300, 10}, Activation::Sigmoid, NoisePlacement::After};
  const Parameters<float> p = init_parameters<float>(arch, rng::Stream(1));
  data::Dataset test;
  test.x = random_matrix(784, 10000, 13);
  test.y = Eigen::VectorXi::Zero(10000);
  test.classes = 10;
  const auto best_of = [](int runs, auto&& work) {
    double best = INFINITY;
    for (int i = 0; i < runs; ++i) {
      const Clock::time_point start = Clock::now();
      work();
      best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
  };
  Workspace<float> ws;
  Mat<float> x;
  const double forward_s = best_of(5, [&] {
    for (Index start = 0; start < test.size(); start += 2000) {
      x = test.x.middleCols(start, 2000);
      forward<float>(p, x, nullptr, ws);
    }
  });
  NetworkStats s;
  const double stats_s = best_of(5, [&] { s = network_stats(p, test, 2000); });
  CHECK(s.hidden[1].preactivation.total() == 300 * 10000);
  WARN("784-300-300-10 on 10,000 images, blocks of 2000: network_stats "
       << stats_s * 1e3 << " ms (one clean forward pass: " << forward_s * 1e3 << " ms)");
  CHECK(stats_s < 1.0);
}
