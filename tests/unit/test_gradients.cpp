// Gradient checks: every analytic gradient of the engine against central finite differences of
// the loss in float64, with the noise draws held fixed.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "engine/network.hpp"

using namespace ns;

namespace {

struct Case {
  std::string name;
  RegConfig reg;
  NoiseVariances noise;
  NoisePlacement placement = NoisePlacement::After;
};

Mat<double> random_inputs(Index rows, Index cols, std::uint64_t seed) {
  Mat<double> x(rows, cols);
  rng::fill_normal(rng::Stream(seed), 0, x.data(), x.size(), 1.0);
  return x;
}

// Largest |analytic - numeric| relative to the gradient's scale, and the norm-wise error.
struct Agreement {
  double normwise = 0, worst_component = 0;
};

Agreement check_gradient(const Architecture& arch, const Case& c, std::uint64_t seed) {
  const Parameters<double> p0 = init_parameters<double>(arch, rng::Stream(seed).child("init"));
  const Index batch = 6;
  const Mat<double> x = random_inputs(arch.inputs(), batch, seed + 1);
  Eigen::VectorXi labels(batch);
  for (Index j = 0; j < batch; ++j) labels[j] = int(j % arch.outputs());

  NetworkNoise<double> noise(arch.hidden_layers());
  for (int l = 0; l < arch.hidden_layers(); ++l)
    noise[l].draw(c.noise, rng::Stream(seed).child("noise").child(std::uint64_t(l)), arch.out(l), 0,
                  batch);
  const RegTerms terms = RegTerms::resolve(c.reg, arch);

  Workspace<double> ws;
  Parameters<double> grad(arch);
  loss_and_gradient(p0, terms, x, labels, &noise, grad, ws);

  const double h = 1e-6;
  Vec<double> numeric(p0.flat().size());
  Parameters<double> p = p0;
  for (Index i = 0; i < p.flat().size(); ++i) {
    const double keep = p.flat()[i];
    p.flat()[i] = keep + h;
    const double up = loss_only(p, terms, x, labels, &noise, ws).total;
    p.flat()[i] = keep - h;
    const double down = loss_only(p, terms, x, labels, &noise, ws).total;
    p.flat()[i] = keep;
    numeric[i] = (up - down) / (2 * h);
  }
  const Vec<double>& analytic = grad.flat();
  const double scale = std::max(analytic.norm(), numeric.norm());
  Agreement a;
  a.normwise = (analytic - numeric).norm() / scale;
  a.worst_component = (analytic - numeric).cwiseAbs().maxCoeff() / scale;
  return a;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({"softmax cross-entropy alone", {}, {}});
  Case rowsum{"rowsum term", {}, {}};
  rowsum.reg.rowsum.values = {1.0, 30.0};
  rowsum.reg.lambda = 0.01;
  out.push_back(rowsum);
  Case sat{"saturation term on both hidden layers", {}, {}};
  sat.reg.saturation = 0.5;
  sat.reg.saturation_layers = {1, 2};
  out.push_back(sat);
  Case l2{"l2 terms", {}, {}};
  l2.reg.l2_hidden.values = {0.015};
  l2.reg.l2_output = 3.0;
  l2.reg.lambda = 0.006;
  out.push_back(l2);
  out.push_back({"uncorrelated noise (AddUnc, MulUnc)", {}, {.add_unc = 0.2, .mul_unc = 0.1}});
  out.push_back({"correlated noise (AddCor, MulCor)", {}, {.add_cor = 0.3, .mul_cor = 0.1}});
  Case all{"every term and every noise kind", {}, {0.1, 0.2, 0.05, 0.05}};
  all.reg = rowsum.reg;
  all.reg.saturation = 0.3;
  all.reg.l2_hidden.values = {0.01};
  all.reg.l2_output = 0.5;
  out.push_back(all);
  Case before = all;
  before.name = "every term and every noise kind, noise before the activation";
  before.placement = NoisePlacement::Before;
  out.push_back(before);
  return out;
}

}  // namespace

TEST_CASE("analytic gradients match central finite differences in float64", "[engine][gradient]") {
  const Activation activations[] = {Activation::Sigmoid, Activation::Tanh,
                                    Activation::Relu,    Activation::Gelu,
                                    Activation::Erf,     Activation::PhotonicSigmoid};
  std::uint64_t seed = 11;
  for (Activation f : activations) {
    for (const Case& c : cases()) {
      Architecture arch{{5, 4, 3, 3}, f, c.placement};
      const Agreement a = check_gradient(arch, c, seed++);
      INFO(fmt::format("{} / {}: normwise {:.3g}, worst component {:.3g}", to_string(f), c.name,
                       a.normwise, a.worst_component));
      CHECK(a.normwise < 1e-5);
      CHECK(a.worst_component < 1e-5);
    }
  }
}

TEST_CASE("float32 gradients agree with the float64 reference", "[engine][gradient]") {
  const Architecture arch{{30, 20, 20, 5}, Activation::Sigmoid, NoisePlacement::After};
  const Parameters<double> p64 = init_parameters<double>(arch, rng::Stream(3));
  const Parameters<float> p32 = p64.cast<float>();
  const Mat<double> x64 = random_inputs(30, 64, 4);
  const Mat<float> x32 = x64.cast<float>();
  Eigen::VectorXi labels(64);
  for (int j = 0; j < 64; ++j) labels[j] = j % 5;
  RegConfig reg;
  reg.rowsum.values = {1.0, 30.0};
  reg.saturation = 1.0;
  reg.l2_output = 0.1;
  reg.lambda = 0.01;
  const RegTerms terms = RegTerms::resolve(reg, arch);
  const NoiseVariances v{0.1, 0.1, 0.1, 0.1};
  NetworkNoise<double> n64(2);
  NetworkNoise<float> n32(2);
  for (int l = 0; l < 2; ++l) {
    n64[l].draw(v, rng::Stream(5).child(std::uint64_t(l)), 20, 0, 64);
    n32[l].draw(v, rng::Stream(5).child(std::uint64_t(l)), 20, 0, 64);
  }
  Workspace<double> w64;
  Workspace<float> w32;
  Parameters<double> g64(arch);
  Parameters<float> g32(arch);
  const double l64 = loss_and_gradient(p64, terms, x64, labels, &n64, g64, w64).total;
  const double l32 = loss_and_gradient(p32, terms, x32, labels, &n32, g32, w32).total;
  CHECK(std::abs(l64 - l32) / l64 < 1e-5);
  const double rel = (g32.flat().cast<double>() - g64.flat()).norm() / g64.flat().norm();
  INFO("relative gradient difference " << rel);
  CHECK(rel < 1e-4);
}
