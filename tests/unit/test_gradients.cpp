// Gradient checks: every analytic gradient of the engine against central finite differences of
// the loss in float64, with the noise draws held fixed: the paper's terms and kinds, and every
// nonideality whose backward rule is exact (not the straight-through estimator of ADC and DAC).
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "engine/calibration.hpp"
#include "engine/network.hpp"
#include "nonideality/registry.hpp"

using namespace ns;

namespace {

// One kind at one strength in noise-aware training.
struct Strength {
  std::string kind;
  double value;
};

struct Case {
  std::string name;
  RegConfig reg;
  std::vector<Strength> noise;
  NoisePlacement placement = NoisePlacement::After;
  bool drift_compensation = false;
};

// The draws of `noise` for one batch, as training makes them (every kind, every layer).
template <class S>
NetworkNoise<S> draw_case(const std::vector<Strength>& noise, const Parameters<S>& p,
                          const Mat<S>& x, const RunConfig& cfg, const rng::Stream& stream) {
  NetworkNoise<S> n(p.arch().layers());
  const std::vector<LayerCalibration> calibration = calibrate(p, x);
  for (const Strength& s : noise) {
    const NoiseKind kind = nonideality_named(s.kind);
    draw_noise(n, {kind, s.value, &cfg.settings_of(kind)}, DrawPart::Both, p, stream, 0, x.cols(),
               &calibration);
  }
  return n;
}

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

  RunConfig cfg;
  if (c.drift_compensation) cfg.settings_of(find_nonideality("Drift")).parameters.at(3) = 1;
  const NetworkNoise<double> noise =
      draw_case(c.noise, p0, x, cfg, rng::Stream(seed).child("noise"));
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
  out.push_back({"uncorrelated noise (AddUnc, MulUnc)", {}, {{"AddUnc", 0.2}, {"MulUnc", 0.1}}});
  out.push_back({"correlated noise (AddCor, MulCor)", {}, {{"AddCor", 0.3}, {"MulCor", 0.1}}});
  for (const char* kind : {"ProgAdd", "ProgMul", "ReadAdd", "ReadMul"})
    out.push_back({kind, {}, {{kind, 0.3}}});
  out.push_back({"StuckOff", {}, {{"StuckOff", 0.3}}});
  out.push_back({"StuckOn", {}, {{"StuckOn", 0.3}}});
  out.push_back({"Drift", {}, {{"Drift", 2000}}});
  out.push_back({"Drift with compensation", {}, {{"Drift", 2000}}, NoisePlacement::After, true});
  out.push_back({"OutputNoise", {}, {{"OutputNoise", 0.5}}});
  out.push_back({"every new kind at once",
                 {},
                 {{"ProgAdd", 0.1},
                  {"ProgMul", 0.1},
                  {"StuckOff", 0.1},
                  {"StuckOn", 0.1},
                  {"Drift", 500},
                  {"ReadAdd", 0.1},
                  {"ReadMul", 0.1},
                  {"OutputNoise", 0.2}},
                 NoisePlacement::After,
                 true});
  Case all{"every term and every noise kind",
           {},
           {{"AddUnc", 0.1}, {"AddCor", 0.2}, {"MulUnc", 0.05}, {"MulCor", 0.05}}};
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
  const std::vector<Strength> kinds{{"AddUnc", 0.1}, {"AddCor", 0.1},  {"MulUnc", 0.1},
                                    {"MulCor", 0.1}, {"ProgMul", 0.1}, {"ReadMul", 0.1}};
  const RunConfig cfg;
  const NetworkNoise<double> n64 = draw_case(kinds, p64, x64, cfg, rng::Stream(5));
  const NetworkNoise<float> n32 = draw_case(kinds, p32, x32, cfg, rng::Stream(5));
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
