// The noise model and the noisy evaluation: statistics of the draws, the correlated/uncorrelated
// structure, the backward rule, and the fast evaluation path against the plain one.
#include <catch2/catch.hpp>

#include "core/rng.hpp"
#include "data/synthetic.hpp"
#include "engine/network.hpp"
#include "eval/evaluate.hpp"
#include "nonideality/registry.hpp"
#include "train/trainer.hpp"

using namespace ns;

TEST_CASE("normal draws have the requested variance and fixed addresses", "[noise][rng]") {
  const rng::Stream s(42);
  std::vector<float> v(1 << 20);
  rng::fill_normal(s, 0, v.data(), Index(v.size()), 0.5f);
  double sum = 0, sq = 0, fourth = 0;
  for (float x : v) sum += x, sq += double(x) * x, fourth += std::pow(double(x), 4);
  const double n = double(v.size()), mean = sum / n, var = sq / n - mean * mean;
  CHECK(std::abs(mean) < 5 * 0.5 / std::sqrt(n));
  CHECK(var == Approx(0.25).epsilon(0.01));
  CHECK(fourth / n / (var * var) == Approx(3.0).epsilon(0.02));  // Gaussian kurtosis
  // Any split of the counter range gives the same numbers.
  std::vector<float> head(1000), tail(1000);
  rng::fill_normal(s, 0, head.data(), 1000, 0.5f);
  rng::fill_normal(s, 1000, tail.data(), 1000, 0.5f);
  CHECK(std::equal(head.begin(), head.end(), v.begin()));
  CHECK(std::equal(tail.begin(), tail.end(), v.begin() + 1000));
}

TEST_CASE("normals handed over block by block are fill_normal's, in order", "[noise][rng]") {
  const rng::Stream s(7);
  // An odd base starts on a sine branch; the length spans several of the generator's chunks.
  for (std::uint64_t base : {0ULL, 3ULL, 4096ULL}) {
    for (std::int64_t n : {1LL, 2LL, 4095LL, 10001LL}) {
      INFO("base " << base << ", n " << n);
      const auto size = static_cast<std::size_t>(n);
      std::vector<float> filled(size), handed(size, -1.0f);
      rng::fill_normal(s, base, filled.data(), n, 0.7f);
      std::int64_t next = 0;
      bool in_order = true;
      rng::for_each_normal_block(s, base, n, 0.7f,
                                 [&](std::int64_t first, const float* d, std::int64_t count) {
                                   in_order = in_order && first == next && count > 0;
                                   std::copy(d, d + count, handed.begin() + first);
                                   next = first + count;
                                 });
      CHECK(in_order);
      CHECK(next == n);
      CHECK(handed == filled);
    }
  }
}

namespace {

// One layer's draws of a paper kind at `variance`, applied to a (its scale hooks, then its
// shift hooks, as the forward pass does).
std::unique_ptr<Perturbation<double>> draw_layer(const char* kind, double variance,
                                                 const Mat<double>& w, std::uint64_t seed,
                                                 Index batch) {
  const RunConfig cfg;
  const NoiseKind k = nonideality_named(kind);
  return k->draw_double({.strength = variance,
                         .settings = &cfg.settings_of(k),
                         .w = {w.data(), w.rows(), w.cols()},
                         .stream = rng::Stream(seed),
                         .first_sample = 0,
                         .batch = batch});
}

Mat<double> applied(const Perturbation<double>& n, Mat<double> y) {
  n.scale(y);
  n.shift(y);
  return y;
}

}  // namespace

TEST_CASE("correlated draws are shared by a layer, uncorrelated ones are not", "[noise]") {
  const int width = 50, batch = 400;
  const Mat<double> w = Mat<double>::Zero(width, 7);  // only its shape matters here
  const Mat<double> a = Mat<double>::Constant(width, batch, 2.0);
  SECTION("AddCor shifts every neuron of a sample by the same amount") {
    const Mat<double> y = applied(*draw_layer("AddCor", 0.3, w, 1, batch), a);
    for (int j = 0; j < batch; ++j) CHECK((y.col(j).array() - y(0, j)).abs().maxCoeff() == 0.0);
    const double var = (y.row(0).array() - 2.0).square().mean();
    CHECK(var == Approx(0.3).epsilon(0.2));
  }
  SECTION("MulCor scales every neuron of a sample by the same factor (1 + c)") {
    const Mat<double> y = applied(*draw_layer("MulCor", 0.2, w, 2, batch), a);
    for (int j = 0; j < batch; ++j) CHECK(y.col(j).isConstant(y(0, j)));
    const double var = (y.row(0).array() / 2.0 - 1.0).square().mean();
    CHECK(var == Approx(0.2).epsilon(0.2));
  }
  SECTION("AddUnc and MulUnc draw per neuron and sample, and compose as y (1 + m) + a") {
    const auto add = draw_layer("AddUnc", 0.1, w, 3, batch);
    const auto mul = draw_layer("MulUnc", 0.1, w, 4, batch);
    const Mat<double> shifted = applied(*add, Mat<double>::Zero(width, batch));
    const Mat<double> scaled = applied(*mul, Mat<double>::Ones(width, batch));
    Mat<double> y = a;
    mul->scale(y);
    add->scale(y);
    mul->shift(y);
    add->shift(y);
    CHECK(y.isApprox((a.array() * scaled.array() + shifted.array()).matrix(), 1e-15));
    CHECK(y.col(0).maxCoeff() > y.col(0).minCoeff());
  }
  SECTION("the backward rule scales by the multiplicative draws only") {
    const auto mul = draw_layer("MulUnc", 0.1, w, 5, batch);
    const auto add = draw_layer("AddUnc", 0.5, w, 6, batch);
    Mat<double> g = Mat<double>::Ones(width, batch);
    mul->scale(g);
    add->scale(g);  // additive kinds leave gradients alone
    CHECK(g.isApprox(applied(*mul, Mat<double>::Ones(width, batch)), 1e-15));
  }
}

namespace {

struct Model {
  Parameters<float> params;
  data::Dataset test;
};

Model small_model(NoisePlacement placement, int hidden_layers) {
  const data::Dataset d =
      data::make_gaussian_clusters({.samples = 1500, .features = 12, .classes = 5}, rng::Stream(9));
  std::vector<int> sizes{12};
  for (int h = 0; h < hidden_layers; ++h) sizes.push_back(24);
  sizes.push_back(5);
  Architecture arch{sizes, Activation::Tanh, placement};
  Parameters<float> p = init_parameters<float>(arch, rng::Stream(10));
  // A few epochs, so that accuracy is high and noise has something to destroy.
  RunConfig cfg;
  cfg.train.epochs = 5;
  cfg.train.optimizer.lr = 0.05;
  train(p, cfg, data::DataSplits{.train = d, .validation = {}, .test = d}, rng::Stream(11));
  return {p, d};
}

}  // namespace

TEST_CASE("the fast noisy evaluation agrees with plain forward passes", "[noise][eval]") {
  RunConfig cfg;
  cfg.eval.levels = {0.01, 0.3, 2.0};
  cfg.eval.repetitions = 2;
  cfg.eval.chunk = 400;
  for (auto placement : {NoisePlacement::After, NoisePlacement::Before}) {
    for (int hidden : {1, 2, 3}) {
      const Model m = small_model(placement, hidden);
      const NoiseCurves fast = evaluate_noise(m.params, m.test, cfg, rng::Stream(5));
      const NoiseCurves naive =
          evaluate_noise(m.params, m.test, cfg, rng::Stream(5), EvalPath::Naive);
      REQUIRE(fast.accuracy.size() == naive.accuracy.size());
      for (std::size_t i = 0; i < fast.accuracy.size(); ++i) {
        INFO(to_string(placement) << ", " << hidden << " hidden layers, entry " << i);
        // The rank-one shortcut rounds differently: allow one flipped prediction in 1500.
        CHECK(std::abs(fast.accuracy[i] - naive.accuracy[i]) * m.test.size() <= 1.0 + 1e-9);
      }
      // The uncorrelated kinds take no shortcut: the same draws, applied as they are made, give
      // the same predictions.
      for (int k = 0; k < int(fast.kinds.size()); ++k) {
        if (!fast.kinds[k]->name.ends_with("Unc")) continue;
        for (std::size_t i = fast.offset(k); i < fast.offset(k + 1); ++i) {
          INFO(fast.kinds[k]->name << ", " << to_string(placement) << ", " << hidden
                                   << " hidden layers, entry " << i);
          CHECK(fast.accuracy[i] == naive.accuracy[i]);
        }
      }
      // The model must have learnt, and noise must matter at the largest variance, or this
      // test checks nothing.
      CHECK(fast.mean(0, 0) > 0.8);
      CHECK(fast.mean(0, 2) < fast.mean(0, 0) - 0.05);
    }
  }
}

TEST_CASE("noisy evaluation does not depend on the block size", "[noise][eval]") {
  const Model m = small_model(NoisePlacement::After, 2);
  RunConfig cfg;
  cfg.eval.levels = {0.5};
  cfg.eval.repetitions = 2;
  cfg.eval.chunk = 1500;
  const NoiseCurves whole = evaluate_noise(m.params, m.test, cfg, rng::Stream(5));
  cfg.eval.chunk = 137;
  const NoiseCurves blocks = evaluate_noise(m.params, m.test, cfg, rng::Stream(5));
  for (std::size_t i = 0; i < whole.accuracy.size(); ++i)
    CHECK(std::abs(whole.accuracy[i] - blocks.accuracy[i]) * m.test.size() <= 1.0 + 1e-9);
}

TEST_CASE("zero row sums make a network immune to additive correlated noise", "[noise][eval]") {
  Model m = small_model(NoisePlacement::After, 2);
  // Project every receiving layer's rows onto sum zero: W -> W - rowmean.
  for (int l = 1; l < m.params.arch().layers(); ++l) {
    auto w = m.params.w(l);
    const Vec<float> means = w.rowwise().mean();
    w.colwise() -= means;
  }
  RunConfig cfg;
  cfg.eval.kinds = {find_nonideality("AddCor")};
  cfg.eval.levels = {1.0, 100.0};
  cfg.eval.repetitions = 2;
  const NoiseCurves c = evaluate_noise(m.params, m.test, cfg, rng::Stream(5));
  const double clean = clean_accuracy(m.params, m.test, 1000);
  for (double a : c.accuracy) CHECK(std::abs(a - clean) * m.test.size() <= 1.0 + 1e-9);
}
