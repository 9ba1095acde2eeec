// Every nonideality of the open noise model (nonideality/*.cpp) against its definition, computed
// here independently: moments of the draws against the definition's, with tolerances of five
// standard errors of the sample size; the fast read-noise draw against the naive one by a
// two-sample Kolmogorov-Smirnov test; per-chip and per-sample addressing; the layers each kind
// acts on; and the evaluation's independence of the block size. Gradients are checked against
// finite differences in test_gradients.cpp, not here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "engine/calibration.hpp"
#include "engine/network.hpp"
#include "engine/noise.hpp"
#include "eval/evaluate.hpp"
#include "nonideality/registry.hpp"

using namespace ns;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// N(0, sd^2) entries, never exactly 0.
template <class S>
Mat<S> normal_matrix(Index rows, Index cols, std::uint64_t seed, double sd = 1.0) {
  Mat<S> m(rows, cols);
  rng::fill_normal(rng::Stream(seed), 0, m.data(), m.size(), S(sd));
  for (Index k = 0; k < m.size(); ++k)
    if (m.data()[k] == S(0)) m.data()[k] = S(1e-3);
  return m;
}

struct DrawArgs {
  double strength;
  const KindSettings* settings;
  rng::Stream stream{0};
  Index first_sample = 0, batch = 0;
  const LayerCalibration* calibration = nullptr;
};

template <class S>
DrawInput<S> draw_input(const Mat<S>& w, const DrawArgs& a) {
  return {.strength = a.strength,
          .settings = a.settings,
          .layer = 0,
          .output = false,
          .w = {w.data(), w.rows(), w.cols()},
          .calibration = a.calibration,
          .stream = a.stream,
          .first_sample = a.first_sample,
          .batch = a.batch};
}

std::unique_ptr<Perturbation<double>> draw_double(NoiseKind kind, const Mat<double>& w,
                                                  const DrawArgs& a) {
  return kind->draw_double(draw_input(w, a));
}
std::unique_ptr<Perturbation<float>> draw_float(NoiseKind kind, const Mat<float>& w,
                                                const DrawArgs& a) {
  return kind->draw_float(draw_input(w, a));
}
std::unique_ptr<Perturbation<float>> draw_naive(NoiseKind kind, const Mat<float>& w,
                                                const DrawArgs& a) {
  REQUIRE(kind->draw_naive != nullptr);
  return kind->draw_naive(draw_input(w, a));
}

// Whether two matrices have the same shape and the same entries, bit for bit (a plain bool, so
// that a failure does not print whole matrices).
template <class A, class B>
bool same(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.derived().array() == b.derived().array()).all();
}

// W~: the perturbation's weight hook applied to a copy of w.
template <class S>
Mat<S> programmed(const Perturbation<S>& p, Mat<S> w) {
  p.weights(w);
  return w;
}

// What the product hook makes of z = W x.
template <class S>
Mat<S> product_of(const Perturbation<S>& p, const Mat<S>& w, const Mat<S>& x) {
  Mat<S> z = w * x;
  p.product(z, w, x);
  return z;
}

// What the product hook adds to z = 0.
template <class S>
Mat<S> added(const Perturbation<S>& p, const Mat<S>& w, const Mat<S>& x) {
  Mat<S> z = Mat<S>::Zero(w.rows(), x.cols());
  p.product(z, w, x);
  return z;
}

// Running mean and variance (Welford), in double, and the kurtosis about 0.
struct Moments {
  double n = 0, mean = 0, m2 = 0, raw2 = 0, raw4 = 0;
  void add(double v) {
    n += 1;
    const double d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
    raw2 += v * v;
    raw4 += v * v * v * v;
  }
  double variance() const { return m2 / n; }  // n vs n - 1 is far below the tolerances here
  double kurtosis() const { return raw4 / n / ((raw2 / n) * (raw2 / n)); }  // 3 for N(0, v)
};

// Five standard errors of the mean of n draws of variance `var`.
double mean_tolerance(double var, double n) {
  return 5 * std::sqrt(var / n);
}
// Five standard errors of the sample variance of n Gaussian draws, relative to the variance.
double relative_variance_tolerance(double n) {
  return 5 * std::sqrt(2 / n);
}
// Five standard errors of the sample kurtosis of n Gaussian draws.
double kurtosis_tolerance(double n) {
  return 5 * std::sqrt(24 / n);
}

// Pearson correlation of two equally long sequences.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  Moments ma, mb;
  for (double v : a) ma.add(v);
  for (double v : b) mb.add(v);
  double c = 0;
  for (std::size_t i = 0; i < a.size(); ++i) c += (a[i] - ma.mean) * (b[i] - mb.mean);
  return c / double(a.size()) / std::sqrt(ma.variance() * mb.variance());
}

// The two-sample Kolmogorov-Smirnov statistic D = sup |F_a - F_b|.
double ks_statistic(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = double(a.size()), nb = double(b.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    d = std::max(d, std::abs(double(i) / na - double(j) / nb));
  }
  return d;
}

// The critical value of D at alpha = 0.001: c(alpha) sqrt((n + m) / (n m)), c = 1.949.
double ks_critical(std::size_t n, std::size_t m) {
  return 1.949 * std::sqrt(double(n + m) / (double(n) * double(m)));
}

std::vector<double> row_of(const Mat<float>& z, Index i) {
  std::vector<double> v(z.cols());
  for (Index j = 0; j < z.cols(); ++j) v[j] = z(i, j);
  return v;
}

// `count` copies of the column x.
template <class S>
Mat<S> replicated(const Vec<S>& x, Index count) {
  return x.replicate(1, count);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Programming noise: W~ = W + s max|W| xi (ProgAdd), W~ = W (1 + s xi) (ProgMul), xi ~ N(0, 1)
// per weight and chip.

TEST_CASE("ProgAdd and ProgMul: W~ - W is Gaussian with the definition's variance",
          "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(40, 30, 101, 0.3);
  const double s = 0.2;
  const int chips = 200;
  // Weights of small and of large |W|, to see that the spread scales (or not) with |W_ij|.
  std::vector<double> magnitudes(w.data(), w.data() + w.size());
  for (double& v : magnitudes) v = std::abs(v);
  std::nth_element(magnitudes.begin(), magnitudes.begin() + magnitudes.size() / 2,
                   magnitudes.end());
  const double median = magnitudes[magnitudes.size() / 2];

  for (const char* name : {"ProgAdd", "ProgMul"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const bool additive = std::string(name) == "ProgAdd";
    CHECK(kind->per_chip);
    // The definition's standard deviation of W~_ij - W_ij.
    const Mat<double> sd = additive ? Mat<double>::Constant(w.rows(), w.cols(), s * max_abs(w))
                                    : Mat<double>((s * w.array().abs()).matrix());
    Moments all, small, large;
    std::vector<std::vector<double>> normalized(chips);
    for (int c = 0; c < chips; ++c) {
      const auto p = draw_double(kind, w, {s, &cfg.settings_of(kind), rng::Stream(7).child(c)});
      REQUIRE(p->changes_weights());
      const Mat<double> e = ((programmed(*p, w) - w).array() / sd.array()).matrix();
      normalized[c].assign(e.data(), e.data() + e.size());
      for (Index k = 0; k < e.size(); ++k) {
        all.add(e.data()[k]);
        (std::abs(w.data()[k]) < median ? small : large).add(e.data()[k]);
      }
    }
    CHECK(std::abs(all.mean) < mean_tolerance(1, all.n));
    CHECK(std::abs(all.variance() - 1) < relative_variance_tolerance(all.n));
    CHECK(std::abs(small.variance() - 1) < relative_variance_tolerance(small.n));
    CHECK(std::abs(large.variance() - 1) < relative_variance_tolerance(large.n));
    CHECK(std::abs(all.kurtosis() - 3) < kurtosis_tolerance(all.n));  // Gaussian tails
    // Chips are independent of one another, and so are a chip's weights.
    const double n = double(w.size());
    for (int c : {0, 1, 99}) {
      CHECK(std::abs(correlation(normalized[c], normalized[c + 1])) < 5 / std::sqrt(n));
      std::vector<double> shifted(normalized[c].begin() + 1, normalized[c].end());
      shifted.push_back(normalized[c].front());
      CHECK(std::abs(correlation(normalized[c], shifted)) < 5 / std::sqrt(n));
    }
  }
}

TEST_CASE("ProgAdd and ProgMul draw once per chip", "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(40, 30, 102);
  const Mat<float> wf = w.cast<float>();
  for (const char* name : {"ProgAdd", "ProgMul"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const KindSettings& settings = cfg.settings_of(kind);
    const rng::Stream chip = rng::Stream(8).child(3);
    const Mat<double> reference = programmed(*draw_double(kind, w, {0.1, &settings, chip}), w);
    // The same chip, whatever block of samples it serves.
    for (auto [first, batch] : {std::pair<Index, Index>{0, 1}, {17, 5}, {1000, 300}})
      CHECK(same(programmed(*draw_double(kind, w, {0.1, &settings, chip, first, batch}), w),
                 reference));
    // Another repetition is another chip: every weight differs.
    const Mat<double> other =
        programmed(*draw_double(kind, w, {0.1, &settings, rng::Stream(8).child(4)}), w);
    CHECK((other.array() != reference.array()).all());
    // The float32 engine programs the same chip as its float64 reference.
    const Mat<float> single = programmed(*draw_float(kind, wf, {0.1, &settings, chip}), wf);
    CHECK((single.cast<double>() - reference).cwiseAbs().maxCoeff() <
          1e-5 * reference.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("ProgMul's backward rule multiplies by the drawn factors, ProgAdd's passes through",
          "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(12, 9, 103);
  const Mat<double> g = normal_matrix<double>(12, 9, 104);
  const NoiseKind mul = nonideality_named("ProgMul"), add = nonideality_named("ProgAdd");
  const auto pm = draw_double(mul, w, {0.3, &cfg.settings_of(mul), rng::Stream(9)});
  Mat<double> gm = g;
  pm->weights_gradient(gm);
  // W~ = A o W with A = W~ / W, so dL/dW = A o dL/dW~.
  const Mat<double> factor = (programmed(*pm, w).array() / w.array()).matrix();
  CHECK(gm.isApprox((g.array() * factor.array()).matrix(), 1e-12));
  const auto pa = draw_double(add, w, {0.3, &cfg.settings_of(add), rng::Stream(9)});
  Mat<double> ga = g;
  pa->weights_gradient(ga);
  CHECK(same(ga, g));
}

// ---------------------------------------------------------------------------------------------
// Read noise: every sample reads W + E afresh. The fast draw adds n to W x with variance
// s^2 max|W|^2 |x|^2 (ReadAdd) or s^2 ((W o W)(x o x))_i (ReadMul) per output i and sample.

TEST_CASE("ReadAdd and ReadMul: the fast draw's noise has the definition's variance",
          "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(6, 8, 201);
  // Four input patterns of different norms, repeated over many samples.
  const int patterns = 4, repeats = 5000;
  Mat<double> pattern = normal_matrix<double>(8, patterns, 202);
  for (int j = 0; j < patterns; ++j) pattern.col(j) *= 0.5 * (j + 1);
  Mat<double> x(8, patterns * repeats);
  for (Index j = 0; j < x.cols(); ++j) x.col(j) = pattern.col(j % patterns);
  const double s = 0.15;

  for (const char* name : {"ReadAdd", "ReadMul"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const bool additive = std::string(name) == "ReadAdd";
    CHECK_FALSE(kind->per_chip);
    const auto p = draw_double(kind, w, {s, &cfg.settings_of(kind), rng::Stream(11), 0, x.cols()});
    REQUIRE(p->changes_product());
    CHECK_FALSE(p->changes_weights());
    const Mat<double> n = added(*p, w, x);
    for (Index i = 0; i < w.rows(); ++i)
      for (int j = 0; j < patterns; ++j) {
        INFO("output " << i << ", pattern " << j);
        double expected = 0;  // the definition's variance, term by term
        for (Index k = 0; k < w.cols(); ++k)
          expected += additive ? std::pow(s * max_abs(w) * pattern(k, j), 2)
                               : std::pow(s * w(i, k) * pattern(k, j), 2);
        Moments m;
        for (int r = 0; r < repeats; ++r) m.add(n(i, r * patterns + j));
        CHECK(std::abs(m.mean) < mean_tolerance(expected, m.n));
        CHECK(std::abs(m.variance() / expected - 1) < relative_variance_tolerance(m.n));
        CHECK(std::abs(m.kurtosis() - 3) < kurtosis_tolerance(m.n));
      }
  }
}

TEST_CASE("ReadAdd and ReadMul: the fast and the naive draw have the same distribution",
          "[nonideality]") {
  // Two-sample Kolmogorov-Smirnov test at alpha = 0.001 on each output of a small layer with a
  // fixed input: fast draws against per-sample weights W + E. The same test must reject the
  // naive draw at 1.3 times the strength, or it would have no power.
  const RunConfig cfg;
  const Mat<float> w = normal_matrix<float>(6, 8, 301);
  const Vec<float> x = normal_matrix<float>(8, 1, 302).col(0);
  const Index n = 20000, m = 20000;
  const double s = 0.2;
  const Mat<float> xn = replicated(x, n), xm = replicated(x, m);
  const double critical = ks_critical(std::size_t(n), std::size_t(m));

  for (const char* name : {"ReadAdd", "ReadMul"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const KindSettings& settings = cfg.settings_of(kind);
    const Mat<float> fast =
        product_of(*draw_float(kind, w, {s, &settings, rng::Stream(31), 0, n}), w, xn);
    const Mat<float> naive =
        product_of(*draw_naive(kind, w, {s, &settings, rng::Stream(32), 0, m}), w, xm);
    const Mat<float> stronger =
        product_of(*draw_naive(kind, w, {1.3 * s, &settings, rng::Stream(33), 0, m}), w, xm);
    for (Index i = 0; i < w.rows(); ++i) {
      INFO("output " << i);
      const std::vector<double> f = row_of(fast, i);
      CHECK(ks_statistic(f, row_of(naive, i)) < critical);
      CHECK(ks_statistic(f, row_of(stronger, i)) > critical);
    }
  }
}

TEST_CASE("ReadAdd and ReadMul draw per sample, addressed by the absolute sample index",
          "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(6, 8, 401);
  const Mat<float> wf = w.cast<float>();
  const Vec<double> x = normal_matrix<double>(8, 1, 402).col(0);
  const Index batch = 12;
  const Mat<double> xb = replicated(x, batch);  // the same input for every sample
  const Mat<float> xf = xb.cast<float>();
  for (const char* name : {"ReadAdd", "ReadMul"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const KindSettings& settings = cfg.settings_of(kind);
    const rng::Stream stream(41);
    // What the product hook adds to z = 0: the noise alone, free of the rounding of W x (which
    // may differ in the last bits between block sizes, as Eigen picks its product kernel by
    // shape).
    auto noise = [&](Index first, Index count) -> Mat<double> {
      return added(*draw_double(kind, w, {0.1, &settings, stream, first, count}), w,
                   Mat<double>(xb.leftCols(count)));
    };
    auto single = [&](Index first, Index count) -> Mat<float> {
      return added(*draw_float(kind, wf, {0.1, &settings, stream, first, count}), wf,
                   Mat<float>(xf.leftCols(count)));
    };
    auto naive = [&](Index first, Index count) -> Mat<float> {
      return added(*draw_naive(kind, wf, {0.1, &settings, stream, first, count}), wf,
                   Mat<float>(xf.leftCols(count)));
    };
    // ReadAdd's noise is bit for bit the same in any block. ReadMul's spread
    // sqrt((W o W)(x o x)) is a matrix product, whose kernel Eigen picks by the block's width
    // (as for W x itself): the same draws, up to the last bits of the spread.
    const bool exact = std::string(name) == "ReadAdd";
    auto check_addressing = [&](const char* which, auto draw) {
      INFO(which);
      const auto all = draw(0, batch);
      using M = std::decay_t<decltype(all)>;
      const double tolerance = exact ? 0 : 8 * std::numeric_limits<typename M::Scalar>::epsilon();
      // max |a - b| / max |a|, for matrices of the same shape.
      auto difference = [&](const M& a, const M& b) {
        REQUIRE(a.rows() == b.rows());
        REQUIRE(a.cols() == b.cols());
        return same(a, b) ? 0.0 : double((a - b).cwiseAbs().maxCoeff() / a.cwiseAbs().maxCoeff());
      };
      // Every sample its own noise.
      for (Index j = 1; j < batch; ++j) CHECK((all.col(j).array() != all.col(0).array()).all());
      // Samples 5..8 drawn as a block of their own: the same noise; so is sample 11 alone.
      CHECK(difference(draw(5, 4), all.middleCols(5, 4)) <= tolerance);
      CHECK(difference(draw(11, 1), all.col(11)) <= tolerance);
      // Samples 12..23 are others.
      CHECK((draw(12, batch).array() != all.array()).all());
    };
    check_addressing("fast, float64", noise);
    check_addressing("fast, float32", single);
    check_addressing("naive", naive);
  }
}

// ---------------------------------------------------------------------------------------------
// Converters: q(v) = lo + d round((clip(v, lo, hi) - lo) / d), d = (hi - lo) / (2^B - 1), on the
// layer's input (DAC) or its product (ADC).

namespace {

// What a converter of `kind` makes of the values v (a row): DAC through its input hook, ADC
// through its product hook.
template <class S>
Mat<S> converted(NoiseKind kind, double bits, const KindSettings& settings, Mat<S> v,
                 const LayerCalibration* calibration = nullptr, std::uint64_t seed = 1) {
  const Mat<S> w = Mat<S>::Ones(1, 1);
  const DrawInput<S> in =
      draw_input(w, {bits, &settings, rng::Stream(seed), 0, v.cols(), calibration});
  const auto p = kind->drawer<S>()(in);
  if (kind->name == "DAC") {
    CHECK_FALSE(p->changes_product());
    p->input(v);
  } else {
    CHECK(p->changes_product());
    const Mat<S> x = Mat<S>::Ones(1, v.cols());
    p->product(v, w, x);
  }
  return v;
}

// A dense ramp of `count` values from `from` to `to`.
template <class S>
Mat<S> ramp(double from, double to, Index count) {
  Mat<S> v(1, count);
  for (Index k = 0; k < count; ++k) v(0, k) = S(from + (to - from) * double(k) / double(count - 1));
  return v;
}

// Checks q = the converter's output on the ramp v against the definition over [lo, hi].
template <class S>
void check_quantiser(const Mat<S>& v, const Mat<S>& q, double lo, double hi, double bits) {
  const double levels = std::exp2(bits), step = (hi - lo) / (levels - 1);
  // Rounding of the last bits of float32 arithmetic.
  const double slack = 8 * std::numeric_limits<S>::epsilon() * std::max(std::abs(lo), std::abs(hi));
  std::set<S> distinct(q.data(), q.data() + q.size());
  CHECK(double(distinct.size()) == levels);
  CHECK(double(*distinct.begin()) == Approx(lo).margin(slack));
  CHECK(double(*distinct.rbegin()) == Approx(hi).margin(slack));
  CHECK(double(*distinct.begin()) >= lo - slack);
  CHECK(double(*distinct.rbegin()) <= hi + slack);
  // The levels are evenly spaced, d apart.
  S previous = *distinct.begin();
  double worst_spacing = 0;
  for (S level : distinct) {
    if (level != previous)
      worst_spacing = std::max(worst_spacing, std::abs(double(level - previous) - step));
    previous = level;
  }
  CHECK(worst_spacing <= 2 * slack + 1e-12 * step);
  // Within the range every value goes to a nearest level; outside it, to the nearer end; and
  // larger values never to lower levels.
  double worst_error = 0, worst_clip = 0;
  Index decreasing = 0;
  for (Index k = 0; k < v.size(); ++k) {
    const double value = double(v.data()[k]), out = double(q.data()[k]);
    if (value < lo)
      worst_clip = std::max(worst_clip, std::abs(out - lo));
    else if (value > hi)
      worst_clip = std::max(worst_clip, std::abs(out - hi));
    else
      worst_error = std::max(worst_error, std::abs(out - value));
    if (k > 0) decreasing += out < double(q.data()[k - 1]);
  }
  CHECK(worst_error <= step / 2 + slack);
  CHECK(worst_clip <= slack);
  CHECK(decreasing == 0);
}

}  // namespace

TEST_CASE("DAC and ADC quantise to 2^B levels of a fixed range", "[nonideality]") {
  const double lo = -0.7, hi = 1.3;
  for (const char* name : {"DAC", "ADC"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    RunConfig cfg;
    KindSettings& settings = cfg.settings_of(kind);
    settings.parameters.at(0) = lo;
    settings.parameters.at(1) = hi;
    CHECK(kind->parameters[0].name == "min");
    CHECK(kind->parameters[1].name == "max");
    for (double bits : {1.0, 2.0, 3.0, 5.0, 8.0, 10.0}) {
      INFO(bits << " bits");
      const Mat<double> v = ramp<double>(lo - 0.5, hi + 0.5, 40001);
      check_quantiser(v, converted(kind, bits, settings, v), lo, hi, bits);
      const Mat<float> vf = ramp<float>(lo - 0.5, hi + 0.5, 40001);
      check_quantiser(vf, converted(kind, bits, settings, vf), lo, hi, bits);
    }
    // No random draws: every repetition (stream) quantises alike.
    const Mat<double> v = ramp<double>(lo - 0.5, hi + 0.5, 1001);
    CHECK(same(converted(kind, 4, settings, v, nullptr, 1),
               converted(kind, 4, settings, v, nullptr, 2)));
    // A half-set or an empty range is an error.
    settings.parameters.at(1) = kNaN;
    CHECK_THROWS_AS(converted(kind, 4, settings, v), Error);
    settings.parameters.at(1) = lo;
    CHECK_THROWS_AS(converted(kind, 4, settings, v), Error);
  }
}

TEST_CASE("DAC and ADC use the calibrated range when none is set", "[nonideality]") {
  const RunConfig cfg;
  // Different input and product ranges, so that each converter shows which one it reads.
  LayerCalibration calibration;
  calibration.input_min = -1.0;
  calibration.input_max = 2.0;
  calibration.product_min = -3.0;
  calibration.product_max = 0.5;
  const Mat<double> v = ramp<double>(-4.0, 3.0, 40001);
  for (const char* name : {"DAC", "ADC"}) {
    INFO(name);
    const NoiseKind kind = nonideality_named(name);
    const KindSettings& settings = cfg.settings_of(kind);
    REQUIRE(std::isnan(settings.parameters.at(0)));
    REQUIRE(std::isnan(settings.parameters.at(1)));
    CHECK(kind->needs_calibration);
    const bool input = std::string(name) == "DAC";
    const double lo = input ? calibration.input_min : calibration.product_min;
    const double hi = input ? calibration.input_max : calibration.product_max;
    for (double bits : {2.0, 6.0}) {
      INFO(bits << " bits");
      const Mat<double> q = converted(kind, bits, settings, v, &calibration);
      check_quantiser(v, q, lo, hi, bits);
      // Exactly as with that range set by hand.
      KindSettings fixed = settings;
      fixed.parameters = {lo, hi};
      CHECK(same(q, converted(kind, bits, fixed, v)));
    }
  }
}

TEST_CASE("calibrate measures each layer's clean input and product", "[nonideality]") {
  // The calibrated converter ranges and the drift compensation read these; more samples than
  // calibrate's block of 1024, so that its blocks are combined.
  const Architecture arch{{6, 5, 4, 3}, Activation::Tanh, NoisePlacement::After};
  const Parameters<double> p = init_parameters<double>(arch, rng::Stream(451));
  const Mat<double> x = normal_matrix<double>(6, 2500, 452);
  const std::vector<LayerCalibration> c = calibrate(p, x);
  REQUIRE(int(c.size()) == arch.layers());
  Workspace<double> ws;
  forward<double>(p, x, nullptr, ws);
  for (int l = 0; l < arch.layers(); ++l) {
    INFO("layer " << l);
    const Mat<double>& input = l == 0 ? x : ws.out[l - 1];
    const Mat<double> product = p.w(l) * input;
    CHECK(c[l].input_min == input.minCoeff());
    CHECK(c[l].input_max == input.maxCoeff());
    CHECK(c[l].product_min == Approx(product.minCoeff()).epsilon(1e-12));
    CHECK(c[l].product_max == Approx(product.maxCoeff()).epsilon(1e-12));
    const Vec<double> mean_abs = input.cwiseAbs().rowwise().mean();
    CHECK(c[l].input_mean_abs.isApprox(mean_abs, 1e-12));
  }
}

namespace {

// A random network and data labelled by its own clean predictions: clean accuracy is 1, and any
// loss of accuracy is the nonideality's doing.
struct Teacher {
  Parameters<float> params;
  data::Dataset test;
};

Teacher teacher(const Architecture& arch, Index samples, std::uint64_t seed) {
  Teacher t{init_parameters<float>(arch, rng::Stream(seed).child("init")), {}};
  t.test.x = normal_matrix<float>(arch.inputs(), samples, seed + 1);
  t.test.classes = arch.outputs();
  Workspace<float> ws;
  // Centre each logit over the data through its bias, so that every class occurs (a random
  // network tends to put all samples in one class).
  const Vec<float> mean = forward<float>(t.params, t.test.x, nullptr, ws).rowwise().mean();
  t.params.b(arch.layers() - 1) -= mean;
  const Mat<float>& logits = forward<float>(t.params, t.test.x, nullptr, ws);
  t.test.y.resize(samples);
  for (Index j = 0; j < samples; ++j) logits.col(j).maxCoeff(&t.test.y[j]);
  for (int c = 0; c < t.test.classes; ++c)
    REQUIRE((t.test.y.array() == c).count() >= samples / (4 * t.test.classes));
  return t;
}

}  // namespace

TEST_CASE("DAC and ADC in evaluation: repetitions agree, and more bits do not hurt",
          "[nonideality][eval]") {
  const Teacher t =
      teacher(Architecture{{10, 24, 24, 4}, Activation::Tanh, NoisePlacement::After}, 1000, 501);
  REQUIRE(clean_accuracy(t.params, t.test, 1000) == 1.0);
  RunConfig cfg;
  cfg.eval.kinds = {nonideality_named("DAC"), nonideality_named("ADC")};
  cfg.eval.repetitions = 3;
  const std::vector<double> bits{1, 2, 3, 4, 6, 8, 12};
  for (NoiseKind kind : cfg.eval.kinds) cfg.settings_of(kind).levels = bits;
  const NoiseCurves c = evaluate_noise(t.params, t.test, cfg, rng::Stream(5));
  REQUIRE(c.problem() == "");
  for (int k = 0; k < 2; ++k) {
    INFO(c.kinds[k]->name);
    for (std::size_t l = 0; l < bits.size(); ++l) {
      INFO(bits[l] << " bits");
      for (int r = 1; r < c.repetitions; ++r) CHECK(c.at(k, int(l), r) == c.at(k, int(l), 0));
      // Two more bits quarter the rounding error: allow a few flipped predictions only.
      for (std::size_t more = l + 1; more < bits.size(); ++more)
        CHECK(c.at(k, int(more), 0) >= c.at(k, int(l), 0) - 0.01);
    }
    CHECK(c.at(k, int(bits.size()) - 1, 0) >= 0.99);
    CHECK(c.at(k, 0, 0) < 0.9);  // one bit does hurt, or this test shows nothing
  }
}

// ---------------------------------------------------------------------------------------------
// Stuck-at faults: each weight stuck with probability p, once per chip; StuckOff reads 0,
// StuckOn +-max|W| with a random sign; stuck weights receive no gradient.

TEST_CASE("StuckOff and StuckOn stick a fraction p of the weights", "[nonideality]") {
  const RunConfig cfg;
  const Mat<double> w = normal_matrix<double>(300, 300, 601);
  const double high = max_abs(w);
  const Mat<double> ones = Mat<double>::Ones(w.rows(), w.cols());
  const double n = double(w.size());
  for (const char* name : {"StuckOff", "StuckOn"}) {
    const NoiseKind kind = nonideality_named(name);
    const bool on = std::string(name) == "StuckOn";
    const KindSettings& settings = cfg.settings_of(kind);
    CHECK(kind->per_chip);
    for (double p : {0.01, 0.1, 0.5}) {
      INFO(name << " at p = " << p);
      const rng::Stream chip = rng::Stream(61).child(std::uint64_t(p * 1000));
      const auto draw = draw_double(kind, w, {p, &settings, chip});
      REQUIRE(draw->changes_weights());
      const Mat<double> wt = programmed(*draw, w);
      Mat<double> g = ones;
      draw->weights_gradient(g);
      // The gradient mask is 0 or 1; its zeros are the stuck weights.
      CHECK((g.array() == 0 || g.array() == 1).all());
      const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> stuck = g.array() == 0;
      const double count = double(stuck.count());
      CHECK(std::abs(count - n * p) < 5 * std::sqrt(n * p * (1 - p)));
      // Healthy weights are exact; stuck ones read what they are stuck at, and they are exactly
      // the weights that changed.
      Index positive = 0, wrong = 0;
      for (Index k = 0; k < w.size(); ++k) {
        const double before = w.data()[k], after = wt.data()[k];
        if (!stuck.data()[k]) {
          wrong += after != before;
        } else if (on) {
          wrong += std::abs(after) != high;
          positive += after > 0;
        } else {
          wrong += after != 0.0;
        }
      }
      CHECK(wrong == 0);
      const Index changed = (wt.array() != w.array()).count();
      // (A stuck-on device may happen to read the weight it holds: the largest, sign and all.)
      CHECK(changed <= Index(count));
      CHECK(changed >= Index(count) - 1);
      if (on) CHECK(std::abs(double(positive) - count / 2) < 5 * std::sqrt(count) / 2);
      // The same chip for any block of samples, another one for another repetition.
      CHECK(same(programmed(*draw_double(kind, w, {p, &settings, chip, 123, 45}), w), wt));
      const Mat<double> other = programmed(*draw_double(kind, w, {p, &settings, chip.child(1)}), w);
      const double overlap =
          double((stuck && (other.array() != w.array())).count());  // stuck on both chips
      CHECK(std::abs(overlap - n * p * p) < 5 * std::sqrt(n * p * p * (1 - p * p)));
      // The float32 engine's chip has the same faults.
      const Mat<float> wf = w.cast<float>();
      Mat<float> gf = Mat<float>::Ones(w.rows(), w.cols());
      draw_float(kind, wf, {p, &settings, chip})->weights_gradient(gf);
      CHECK((gf.cast<double>().array() == g.array()).all());
    }
    INFO(name);
    // p = 0 changes nothing, p = 1 sticks every weight.
    const auto none = draw_double(kind, w, {0.0, &settings, rng::Stream(62)});
    CHECK(same(programmed(*none, w), w));
    Mat<double> g = ones;
    none->weights_gradient(g);
    CHECK(same(g, ones));
    const auto all = draw_double(kind, w, {1.0, &settings, rng::Stream(62)});
    const Mat<double> wt = programmed(*all, w);
    if (on)
      CHECK((wt.array().abs() == high).all());
    else
      CHECK(wt.isZero(0));
    all->weights_gradient(g);
    CHECK(g.isZero(0));
  }
}

// ---------------------------------------------------------------------------------------------
// Drift: W~ = W (t / t0)^(-nu), nu ~ N(nu_mean, nu_std^2) per weight and chip, clipped at 0;
// with compensation the product is rescaled by alpha = sum|W m| / sum|W~ m|.

TEST_CASE("Drift: exact at t0, and a log-normal decay after", "[nonideality]") {
  RunConfig cfg;
  const NoiseKind kind = nonideality_named("Drift");
  KindSettings& settings = cfg.settings_of(kind);
  REQUIRE(kind->parameters[0].name == "t0");
  REQUIRE(kind->parameters[1].name == "nu_mean");
  REQUIRE(kind->parameters[2].name == "nu_std");
  REQUIRE(kind->parameters[3].name == "compensation");
  const double t0 = settings.parameters.at(0), nu_mean = settings.parameters.at(1),
               nu_std = settings.parameters.at(2);
  CHECK(t0 == 20);
  CHECK(kind->per_chip);
  const Mat<double> w = normal_matrix<double>(300, 300, 701);
  const Mat<float> wf = w.cast<float>();
  const LayerCalibration calibration{.input_mean_abs = Vec<double>::Ones(w.cols())};
  const DrawArgs at_t0{t0, &settings, rng::Stream(71), 0, 0, &calibration};
  CHECK(same(programmed(*draw_double(kind, w, at_t0), w), w));
  CHECK(same(programmed(*draw_float(kind, wf, at_t0), wf), wf));
  // Earlier times are not levels.
  CHECK(kind->level_problem(t0, settings).empty());
  CHECK_FALSE(kind->level_problem(t0 / 2, settings).empty());

  for (double t : {2000.0, 2e7}) {
    INFO("t = " << t);
    const auto p = draw_double(kind, w, {t, &settings, rng::Stream(72), 0, 0, &calibration});
    CHECK_FALSE(p->changes_product());  // no compensation by default
    const Mat<double> factor = (programmed(*p, w).array() / w.array()).matrix();
    // -log(factor) / log(t / t0) is the exponent nu.
    Moments nu;
    for (Index k = 0; k < factor.size(); ++k)
      nu.add(-std::log(factor.data()[k]) / std::log(t / t0));
    CHECK(std::abs(nu.mean - nu_mean) < mean_tolerance(nu_std * nu_std, nu.n));
    CHECK(std::abs(nu.variance() / (nu_std * nu_std) - 1) < relative_variance_tolerance(nu.n));
    Moments centred;  // nu - nu_mean is N(0, nu_std^2): a log-normal factor
    for (Index k = 0; k < factor.size(); ++k)
      centred.add(-std::log(factor.data()[k]) / std::log(t / t0) - nu_mean);
    CHECK(std::abs(centred.kurtosis() - 3) < kurtosis_tolerance(centred.n));
    // The backward rule multiplies by the same factors.
    Mat<double> g = Mat<double>::Ones(w.rows(), w.cols());
    p->weights_gradient(g);
    CHECK(g.isApprox(factor, 1e-12));
  }

  // A different t0, and an exponent clipped at 0: half the devices do not drift at all.
  settings.parameters.at(0) = 1.0;
  settings.parameters.at(1) = 0.0;
  settings.parameters.at(2) = 0.05;
  CHECK(same(programmed(*draw_double(kind, w, {1.0, &settings, rng::Stream(73)}), w), w));
  const Mat<double> factor =
      (programmed(*draw_double(kind, w, {1e3, &settings, rng::Stream(73)}), w).array() / w.array())
          .matrix();
  CHECK((factor.array() <= 1.0).all());
  const double n = double(factor.size()), exact = double((factor.array() == 1.0).count());
  CHECK(std::abs(exact - n / 2) < 5 * std::sqrt(n) / 2);
}

TEST_CASE("Drift compensation restores the calibrated sum of |W m|", "[nonideality]") {
  RunConfig cfg;
  const NoiseKind kind = nonideality_named("Drift");
  KindSettings& settings = cfg.settings_of(kind);
  settings.parameters.at(3) = 1;
  const Mat<double> w = normal_matrix<double>(20, 30, 801);
  LayerCalibration calibration;
  calibration.input_mean_abs = normal_matrix<double>(30, 1, 802).col(0).cwiseAbs();
  const Vec<double>& m = calibration.input_mean_abs;
  for (double t : {200.0, 2e5}) {
    INFO("t = " << t);
    const auto p = draw_double(kind, w, {t, &settings, rng::Stream(81), 0, 0, &calibration});
    REQUIRE(p->changes_product());
    const Mat<double> wt = programmed(*p, w);
    CHECK((wt.array().abs() < w.array().abs()).all());  // drift only shrinks
    // The product hook multiplies every z by one alpha.
    const Mat<double> z = normal_matrix<double>(20, 5, 803);
    Mat<double> scaled = z;
    p->product(scaled, wt, Mat<double>::Ones(30, 5));
    const double alpha = scaled(0, 0) / z(0, 0);
    CHECK(scaled.isApprox(alpha * z, 1e-14));
    CHECK(alpha > 1);
    CHECK(alpha * (wt * m).cwiseAbs().sum() == Approx((w * m).cwiseAbs().sum()).epsilon(1e-12));
    // The float32 engine compensates alike.
    const Mat<float> wf = w.cast<float>();
    const auto pf = draw_float(kind, wf, {t, &settings, rng::Stream(81), 0, 0, &calibration});
    Mat<float> one = Mat<float>::Ones(1, 1);
    pf->product(one, wf, Mat<float>::Ones(30, 1));
    CHECK(double(one(0, 0)) == Approx(alpha).epsilon(1e-5));
  }
}

// ---------------------------------------------------------------------------------------------
// OutputNoise: logits + N(0, v) per output and sample, on the output layer only.

TEST_CASE("OutputNoise adds N(0, v) to each logit of each sample", "[nonideality]") {
  const RunConfig cfg;
  const NoiseKind kind = nonideality_named("OutputNoise");
  const KindSettings& settings = cfg.settings_of(kind);
  CHECK_FALSE(kind->per_chip);
  const Mat<double> w = normal_matrix<double>(5, 9, 901);  // 5 outputs
  const Index batch = 40000;
  const double v = 0.7;
  const auto p = draw_double(kind, w, {v, &settings, rng::Stream(91), 0, batch});
  CHECK_FALSE(p->changes_weights());
  CHECK_FALSE(p->changes_product());
  Mat<double> y = Mat<double>::Ones(5, batch);
  p->scale(y);
  CHECK(same(y, Mat<double>::Ones(5, batch)));  // no scale, and so no gradient
  p->shift(y);
  const Mat<double> n = (y.array() - 1.0).matrix();
  std::vector<std::vector<double>> rows(5);
  for (Index i = 0; i < 5; ++i) {
    INFO("output " << i);
    Moments m;
    for (Index j = 0; j < batch; ++j) m.add(n(i, j));
    for (Index j = 0; j < batch; ++j) rows[i].push_back(n(i, j));
    CHECK(std::abs(m.mean) < mean_tolerance(v, m.n));
    CHECK(std::abs(m.variance() / v - 1) < relative_variance_tolerance(m.n));
  }
  // Independent across outputs and samples.
  CHECK(std::abs(correlation(rows[0], rows[1])) < 5 / std::sqrt(double(batch)));
  std::vector<double> next(rows[0].begin() + 1, rows[0].end());
  next.push_back(rows[0].front());
  CHECK(std::abs(correlation(rows[0], next)) < 5 / std::sqrt(double(batch)));
  // Addressed by absolute sample index.
  Mat<double> block = Mat<double>::Zero(5, 7);
  draw_double(kind, w, {v, &settings, rng::Stream(91), 100, 7})->shift(block);
  CHECK(same(block, n.middleCols(100, 7)));
}

TEST_CASE("OutputNoise in a network changes the logits only", "[nonideality]") {
  const RunConfig cfg;
  const NoiseKind kind = nonideality_named("OutputNoise");
  // Three weight layers: two hidden, then the logits.
  const Architecture arch{{5, 4, 4, 3}, Activation::Sigmoid, NoisePlacement::After};
  REQUIRE(arch.layers() == 3);
  const Parameters<double> p = init_parameters<double>(arch, rng::Stream(92));
  const Index batch = 20000;
  const Mat<double> x = normal_matrix<double>(5, batch, 93);
  const double v = 0.3;
  CHECK(layers_acted_on(kind, cfg.settings_of(kind), 3) == std::vector<bool>{false, false, true});
  NetworkNoise<double> noise(arch.layers());
  draw_noise(noise, {kind, v, &cfg.settings_of(kind)}, DrawPart::Both, p, rng::Stream(94), 0, batch,
             nullptr);
  REQUIRE(noise.layers.size() == 3);
  CHECK(noise.layers[0].empty());
  CHECK(noise.layers[1].empty());
  CHECK(noise.layers[2].size() == 1);
  Workspace<double> clean, noisy;
  forward<double>(p, x, nullptr, clean);
  forward<double>(p, x, &noise, noisy);
  CHECK(same(noisy.out[0], clean.out[0]));
  CHECK(same(noisy.out[1], clean.out[1]));
  CHECK(same(noisy.act_in[0], clean.act_in[0]));
  CHECK(same(noisy.act_in[1], clean.act_in[1]));
  const Mat<double> n = noisy.out[2] - clean.out[2];
  for (Index i = 0; i < 3; ++i) {
    Moments m;
    for (Index j = 0; j < batch; ++j) m.add(n(i, j));
    CHECK(std::abs(m.mean) < mean_tolerance(v, m.n));
    CHECK(std::abs(m.variance() / v - 1) < relative_variance_tolerance(m.n));
  }
}

// ---------------------------------------------------------------------------------------------
// The layers each kind acts on.

TEST_CASE("layers_acted_on: default scopes, narrowing, and out-of-scope layers", "[nonideality]") {
  const RunConfig cfg;
  const std::set<std::string> paper{"AddUnc", "AddCor", "MulUnc", "MulCor"};
  for (NoiseKind kind : all_nonidealities()) {
    const std::string name(kind->name);
    INFO(name);
    const std::vector<bool> on = layers_acted_on(kind, cfg.settings_of(kind), 3);
    if (paper.count(name))
      CHECK(on == std::vector<bool>{true, true, false});
    else if (name == "OutputNoise")
      CHECK(on == std::vector<bool>{false, false, true});
    else
      CHECK(on == std::vector<bool>{true, true, true});
    // A network without hidden layers.
    const std::vector<bool> single = layers_acted_on(kind, cfg.settings_of(kind), 1);
    CHECK(single == std::vector<bool>{!paper.count(name)});
  }

  auto narrowed = [&](const char* name, std::vector<int> layers, int count) {
    const NoiseKind kind = nonideality_named(name);
    KindSettings s = cfg.settings_of(kind);
    s.layers = std::move(layers);
    return layers_acted_on(kind, s, count);
  };
  CHECK(narrowed("AddUnc", {2}, 3) == std::vector<bool>{false, true, false});
  CHECK(narrowed("ProgAdd", {1, 3}, 3) == std::vector<bool>{true, false, true});
  CHECK(narrowed("ReadMul", {3}, 4) == std::vector<bool>{false, false, true, false});
  CHECK(narrowed("OutputNoise", {3}, 3) == std::vector<bool>{false, false, true});
  CHECK(narrowed("Drift", {2, 2}, 2) == std::vector<bool>{false, true});

  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(narrowed("AddUnc", {3}, 3), Contains("noise.AddUnc.layers"));
  CHECK_THROWS_WITH(narrowed("MulCor", {1, 3}, 3), Contains("noise.MulCor.layers"));
  CHECK_THROWS_WITH(narrowed("OutputNoise", {1}, 3), Contains("noise.OutputNoise.layers"));
  CHECK_THROWS_WITH(narrowed("ProgAdd", {4}, 3), Contains("noise.ProgAdd.layers"));
  CHECK_THROWS_WITH(narrowed("StuckOn", {0}, 3), Contains("noise.StuckOn.layers"));
  CHECK_THROWS_AS(narrowed("ADC", {-1}, 3), Error);

  // draw_noise draws on exactly those layers, and refuses the same settings.
  const Architecture arch{{5, 4, 4, 3}, Activation::Sigmoid, NoisePlacement::After};
  const Parameters<double> p = init_parameters<double>(arch, rng::Stream(95));
  RunConfig narrowing;
  const NoiseKind prog = nonideality_named("ProgMul");
  narrowing.settings_of(prog).layers = {2};
  NetworkNoise<double> noise(arch.layers());
  draw_noise(noise, {prog, 0.1, &narrowing.settings_of(prog)}, DrawPart::Both, p, rng::Stream(96),
             0, 4, nullptr);
  CHECK(noise.layers[0].empty());
  CHECK(noise.layers[1].size() == 1);
  CHECK(noise.layers[2].empty());
  const NoiseKind out = nonideality_named("OutputNoise");
  narrowing.settings_of(out).layers = {2};
  CHECK_THROWS_WITH(draw_noise(noise, {out, 0.1, &narrowing.settings_of(out)}, DrawPart::Both, p,
                               rng::Stream(96), 0, 4, nullptr),
                    Contains("noise.OutputNoise.layers"));
}

// ---------------------------------------------------------------------------------------------
// Evaluation of every new kind: independent of eval.chunk, and reproducible.

TEST_CASE("evaluate_noise of the new kinds does not depend on the block size",
          "[nonideality][eval]") {
  const Teacher t =
      teacher(Architecture{{5, 4, 3}, Activation::Sigmoid, NoisePlacement::After}, 300, 97);
  const Parameters<float>& p = t.params;
  const data::Dataset& test = t.test;
  RunConfig cfg;
  cfg.eval.kinds.clear();
  for (const char* name : {"ProgAdd", "ProgMul", "StuckOff", "StuckOn", "Drift", "DAC", "ADC",
                           "ReadAdd", "ReadMul", "OutputNoise"})
    cfg.eval.kinds.push_back(nonideality_named(name));
  cfg.eval.repetitions = 3;
  cfg.eval.chunk = 1000;
  const NoiseCurves whole = evaluate_noise(p, test, cfg, rng::Stream(100));
  const NoiseCurves again = evaluate_noise(p, test, cfg, rng::Stream(100));
  cfg.eval.chunk = 7;
  const NoiseCurves blocks = evaluate_noise(p, test, cfg, rng::Stream(100));
  REQUIRE(whole.problem() == "");
  REQUIRE(blocks.accuracy.size() == whole.accuracy.size());
  CHECK(again.accuracy == whole.accuracy);
  for (std::size_t k = 0; k < whole.kinds.size(); ++k) {
    INFO(whole.kinds[k]->name);
    CHECK(whole.levels[k] == cfg.levels_of(whole.kinds[k]));
    for (std::size_t l = 0; l < whole.levels[k].size(); ++l)
      for (int r = 0; r < whole.repetitions; ++r) {
        INFO("level " << whole.levels[k][l] << ", repetition " << r);
        CHECK(blocks.at(int(k), int(l), r) == whole.at(int(k), int(l), r));
      }
    // Every kind does something at its harshest default level (clean accuracy is 1), or the
    // comparison above shows little.
    const int harshest =
        whole.kinds[k]->levels.harsher_when_lower ? 0 : int(whole.levels[k].size()) - 1;
    CHECK(whole.mean(int(k), harshest) < 1.0);
  }
  // Drift's first default level is t0, where the weights are exact.
  const NoiseKind drift = nonideality_named("Drift");
  const int d = int(std::find(whole.kinds.begin(), whole.kinds.end(), drift) - whole.kinds.begin());
  REQUIRE(whole.levels[d].front() == cfg.settings_of(drift).parameters.at(0));
  for (int r = 0; r < whole.repetitions; ++r) CHECK(whole.at(d, 0, r) == 1.0);
}
