// Optimisers on problems with known minima, and their update rules against hand-computed steps.
#include <catch2/catch.hpp>
#include <cmath>

#include "optim/optimizer.hpp"

using namespace ns;

namespace {

// f(p) = 0.5 * sum_i a_i (p_i - t_i)^2, minimum at t.
Vec<float> quadratic_gradient(const Vec<float>& p, const Vec<float>& a, const Vec<float>& t) {
  return (a.array() * (p - t).array()).matrix();
}

}  // namespace

TEST_CASE("each optimiser finds the minimum of a quadratic", "[optim]") {
  Vec<float> a(3), t(3);
  a << 1.0f, 4.0f, 0.5f;
  t << 1.0f, -2.0f, 0.5f;
  struct Case {
    OptimizerConfig cfg;
    int steps;
  };
  OptimizerConfig sgd{.kind = OptimizerKind::Sgd, .lr = 0.1, .momentum = 0.9};
  OptimizerConfig adam{.kind = OptimizerKind::Adam, .lr = 0.05};
  OptimizerConfig adagrad{.kind = OptimizerKind::Adagrad, .lr = 0.5};
  for (const Case& c : {Case{sgd, 400}, Case{adam, 2000}, Case{adagrad, 2000}}) {
    INFO(to_string(c.cfg.kind));
    auto opt = make_optimizer(c.cfg, 3);
    Vec<float> p = Vec<float>::Zero(3);
    for (int i = 0; i < c.steps; ++i) opt->step(p, quadratic_gradient(p, a, t));
    CHECK((p - t).norm() < 1e-3);
  }
}

TEST_CASE("update rules follow PyTorch's definitions step by step", "[optim]") {
  Vec<float> g1(1), g2(1);
  g1 << 0.5f;
  g2 << -0.25f;
  SECTION("adagrad: p -= lr g / (sqrt(sum g^2) + eps)") {
    auto opt = make_optimizer({.kind = OptimizerKind::Adagrad, .lr = 0.1}, 1);
    Vec<float> p = Vec<float>::Zero(1);
    opt->step(p, g1);
    CHECK(p[0] == Approx(-0.1 * 0.5 / 0.5));
    opt->step(p, g2);
    CHECK(p[0] == Approx(-0.1 + 0.1 * 0.25 / std::sqrt(0.25 + 0.0625)));
  }
  SECTION("sgd with momentum: buf = m buf + g, p -= lr buf") {
    auto opt = make_optimizer({.kind = OptimizerKind::Sgd, .lr = 0.1, .momentum = 0.9}, 1);
    Vec<float> p = Vec<float>::Zero(1);
    opt->step(p, g1);
    CHECK(p[0] == Approx(-0.05));
    opt->step(p, g2);
    CHECK(p[0] == Approx(-0.05 - 0.1 * (0.9 * 0.5 - 0.25)));
  }
  SECTION("adam: bias-corrected moments, first step moves by lr") {
    auto opt = make_optimizer({.kind = OptimizerKind::Adam, .lr = 0.01}, 1);
    Vec<float> p = Vec<float>::Zero(1);
    opt->step(p, g1);
    CHECK(p[0] == Approx(-0.01).epsilon(1e-5));
    opt->step(p, g2);
    const double m = 0.9 * 0.1 * 0.5 - 0.1 * 0.25, v = 0.999 * 0.001 * 0.25 + 0.001 * 0.0625;
    const double step = 0.01 * (m / (1 - 0.81)) / (std::sqrt(v / (1 - 0.999 * 0.999)) + 1e-8);
    CHECK(p[0] == Approx(-0.01 - step).epsilon(1e-5));
  }
}
