// Conductance drift: a programmed device's conductance decays as a power law in time,
//   W~(t) = W (t / t0)^(-nu),   nu ~ N(nu_mean, nu_std^2) per weight and chip, clipped at 0,
// the drift model of phase-change memory (Ielmini et al., IEEE Trans. Electron Devices 54, 308,
// 2007; used for inference in Joshi et al., Nat. Commun. 11, 2473, 2020). Levels are times t
// in seconds, t >= t0; at t = t0 the weights are exact. Global drift compensation
// (noise.Drift.compensation, as in Joshi et al.) rescales each layer's product by one factor,
// calibrated on clean data: alpha = sum_i |(W m)_i| / sum_i |(W~ m)_i|, where m is the mean
// |input| of the layer over the calibration data.
#include <fmt/format.h>

#include <cmath>

#include "config/run_config.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {
namespace {

constexpr KindParameter kParameters[] = {
    {.name = "t0",
     .type = "seconds > 0",
     .help = "time of programming, when the weights are exact",
     .fallback = 20,
     .min = 1e-300},
    {.name = "nu_mean",
     .type = "number >= 0",
     .help = "mean drift exponent",
     .fallback = 0.05,
     .min = 0},
    {.name = "nu_std",
     .type = "number >= 0",
     .help = "std of the drift exponent across devices",
     .fallback = 0.01,
     .min = 0},
    {.name = "compensation",
     .type = "boolean",
     .help = "global drift compensation: one rescale per layer, calibrated on clean data",
     .fallback = 0,
     .boolean = true},
};

template <class S>
class Drift final : public Perturbation<S> {
 public:
  explicit Drift(const DrawInput<S>& in) : factor_(in.w.rows(), in.w.cols()) {
    const KindSettings& s = *in.settings;
    const double t0 = s.parameters[0], nu_mean = s.parameters[1], nu_std = s.parameters[2];
    const double log_ratio = std::log(in.strength / t0);
    Mat<S> nu(in.w.rows(), in.w.cols());
    rng::fill_normal(in.stream, 0, nu.data(), nu.size(), S(1));
    for (Index k = 0; k < nu.size(); ++k) {
      const double n = std::max(0.0, nu_mean + nu_std * double(nu.data()[k]));
      factor_.data()[k] = S(std::exp(-n * log_ratio));
    }
    if (s.parameters[3] != 0) {
      const Vec<S> m = in.calibration->input_mean_abs.template cast<S>();
      const double clean = (in.w * m).cwiseAbs().sum();
      const double drifted = ((in.w.array() * factor_.array()).matrix() * m).cwiseAbs().sum();
      compensation_ = drifted > 0 ? S(clean / drifted) : S(1);
    }
  }
  bool changes_weights() const override { return true; }
  void weights(Mat<S>& w) const override { w.array() *= factor_.array(); }
  void weights_gradient(Mat<S>& g) const override { g.array() *= factor_.array(); }
  bool changes_product() const override { return compensation_ != S(1); }
  void product(Mat<S>& z, const Eigen::Ref<const Mat<S>>&, const Mat<S>&) const override {
    if (compensation_ != S(1)) z *= compensation_;
  }
  void product_gradient(Mat<S>& g_z, const Eigen::Ref<const Mat<S>>&, const Mat<S>&,
                        Eigen::Ref<Mat<S>>, Mat<S>*) const override {
    if (compensation_ != S(1)) g_z *= compensation_;
  }

 private:
  Mat<S> factor_;  // (t / t0)^(-nu) per weight
  S compensation_ = S(1);
};

std::vector<double> default_levels(const EvalConfig&, const KindSettings& s) {
  std::vector<double> t;
  for (double ratio : {1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6}) t.push_back(s.parameters[0] * ratio);
  return t;
}

std::string check_level(double t, const KindSettings& s) {
  if (t < s.parameters[0])
    return fmt::format("a time must be >= t0 = {} s (noise.Drift.t0), got {}", s.parameters[0], t);
  return "";
}

}  // namespace

extern const Nonideality kDrift{
    .name = "Drift",
    .summary = "conductance drift: W (t/t0)^-nu, nu per weight and chip; levels are times t",
    .citation =
        "Ielmini et al., IEEE TED 54, 308 (2007); Joshi et al., Nat. Commun. 11, 2473 (2020)",
    .levels = {.unit = "time in seconds",
               .symbol = "t (s)",
               .min = 0,
               .max = 1e300,
               .min_exclusive = true},
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = true,
    .parameters = kParameters,
    .default_levels = default_levels,
    .draw_float = drawer_of_float<Drift>(),
    .draw_double = drawer_of_double<Drift>(),
    .check_level = check_level};

}  // namespace ns
