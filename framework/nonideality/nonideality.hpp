#pragma once
// The open noise model. A nonideality is one way analog hardware departs from the ideal layer
//   x^ = DAC(x),  z = ADC(W~ x^ + read noise) + b,  y = f(z) with activation noise,
//   logits with output noise,  W~ = the weights as programmed on a chip,
// and it is described by one Nonideality (its settings, its levels, how it draws) plus the
// Perturbation it draws: the hooks it applies in the forward pass and their backward rules.
// Each one lives in its own file in this folder and is listed once in registry.cpp.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "engine/types.hpp"

namespace ns {

// One kind's draws for one layer. Every hook defaults to "no change".
template <class S>
class Perturbation {
 public:
  virtual ~Perturbation() = default;
  // Per chip, on a copy of the clean weights: W~ = A o W + B. Backward: dL/dW = A o dL/dW~.
  virtual bool changes_weights() const { return false; }
  virtual void weights(Mat<S>& /*w*/) const {}
  virtual void weights_gradient(Mat<S>& /*g*/) const {}
  // On the layer's input before the product (DAC). Backward: straight through.
  virtual void input(Mat<S>& /*x*/) const {}
  // On the product z = W~ x^, before the bias (read noise, ADC, drift compensation).
  virtual bool changes_product() const { return false; }
  virtual void product(Mat<S>& /*z*/, const Eigen::Ref<const Mat<S>>& /*w*/,
                       const Mat<S>& /*x*/) const {}
  // Backward of product(): given g_z = dL/dz after the hook, replaces g_z by dL/dz before it
  // and adds what the hook's own dependence on W~ and x^ contributes to g_w and g_x (g_x may be
  // null for the first layer, whose input is data).
  virtual void product_gradient(Mat<S>& /*g_z*/, const Eigen::Ref<const Mat<S>>& /*w*/,
                                const Mat<S>& /*x*/, Eigen::Ref<Mat<S>> /*g_w*/,
                                Mat<S>* /*g_x*/) const {}
  // On the layer's output: a hidden layer's activation (before or after f, per
  // model.noise_placement) or the logits. All scales act before all shifts.
  virtual void scale(Mat<S>& /*y*/) const {}  // y <- y o s; also its own backward rule
  virtual void shift(Mat<S>& /*y*/) const {}  // y <- y + n; carries no gradient
};

// What a clean pass over calibration data shows of one layer (ADC and DAC ranges, drift
// compensation). Calibration data: the test inputs in evaluation (labels unused), the batch in
// training.
struct LayerCalibration {
  double input_min = 0, input_max = 0;      // of the layer's input x
  double product_min = 0, product_max = 0;  // of W x, before the bias
  Vec<double> input_mean_abs;               // mean |x_k| per input unit
};

// Everything a kind may use to draw one layer's perturbation.
template <class S>
struct DrawInput {
  double strength = 0;             // the level (evaluation) or train.noise.KIND (training)
  const KindSettings* settings{};  // the kind's parameters
  int layer = 0;                   // 0-based weight layer
  bool output = false;             // the last layer (it produces the logits)
  Eigen::Map<const Mat<S>> w{nullptr, 0, 0};  // the layer's clean weights
  const LayerCalibration* calibration{};      // set when the kind needs_calibration
  rng::Stream stream{0};                      // this kind's own stream at this layer
  Index first_sample = 0, batch = 0;          // the block of samples (per-sample kinds)
};

template <class S>
using Drawer = std::unique_ptr<Perturbation<S>> (*)(const DrawInput<S>&);

// Which layers a kind can act on (noise.KIND.layers narrows it).
enum class LayerScope { Hidden, Output, All };

// A parameter of a kind, under noise.KIND.NAME; shared by training and evaluation.
struct KindParameter {
  std::string_view name;
  std::string_view type;  // for people, e.g. "number > 0"
  std::string_view help;
  double fallback;                   // its default
  bool boolean = false;              // true/false in TOML, 1/0 here
  double min = -1e308, max = 1e308;  // allowed values, inclusive (numbers)
  bool nan_allowed = false;          // "unset" (e.g. a calibrated range): NaN, shown as ""
};

// What a level (and a training strength) of a kind means, and its allowed range.
struct LevelRule {
  std::string_view unit;    // e.g. "variance", "bit count", "time in seconds"
  std::string_view symbol;  // a short column header, e.g. "variance", "bits", "t (s)"
  double min, max;          // inclusive, except min when min_exclusive
  bool min_exclusive = false;
  bool integer = false;
  bool harsher_when_lower = false;  // bits: fewer is harsher; for every other kind, more is
};

struct EvalJob;

struct Nonideality {
  std::string_view name;      // as in settings and archives, e.g. "AddUnc"
  std::string_view summary;   // one line for `noisesweep settings`
  std::string_view citation;  // the published model it follows, or ""
  LevelRule levels;
  LayerScope scope;
  bool per_chip;           // drawn once per chip (repetition; batch in training), not per sample
  bool needs_calibration;  // reads LayerCalibration
  std::span<const KindParameter> parameters;
  // Default evaluation levels (the paper's kinds share eval.levels).
  std::vector<double> (*default_levels)(const EvalConfig&, const KindSettings&);
  Drawer<float> draw_float;
  Drawer<double> draw_double;
  // The naive reference of a fast draw (read noise draws every weight per sample); nullptr:
  // draw is already the plain definition.
  Drawer<float> draw_naive = nullptr;
  // A faster evaluation of a whole curve; nullptr: the generic per-chip/per-block passes.
  std::vector<double> (*evaluate)(const EvalJob&) = nullptr;
  // A check of a level against the kind's parameters (drift: t >= t0); "" if fine.
  std::string (*check_level)(double value, const KindSettings& settings) = nullptr;

  template <class S>
  Drawer<S> drawer() const {
    if constexpr (std::is_same_v<S, float>)
      return draw_float;
    else
      return draw_double;
  }
  // Whether the kind can act on weight layer `layer` (0-based) of `layers`.
  bool in_scope(int layer, int layers) const;
  // Those layers, for messages: "hidden layers 1..2", "the output layer 3", "layers 1..3".
  std::string scope_text(int layers) const;
  // What is wrong with `value` as a level of this kind ("" if nothing).
  std::string level_problem(double value, const KindSettings& settings) const;
  double parameter(const KindSettings& s, std::string_view name) const;
};

// A uniform number in [0, 1) from the counter-th bits of a stream (53 bits of precision).
inline double uniform01(const rng::Stream& s, std::uint64_t counter) {
  return double(s.bits(counter) >> 11) * 0x1.0p-53;
}

// Makes the two drawers of a Perturbation class that is constructible from DrawInput<S>.
template <template <class> class P>
constexpr Drawer<float> drawer_of_float() {
  return [](const DrawInput<float>& in) -> std::unique_ptr<Perturbation<float>> {
    return std::make_unique<P<float>>(in);
  };
}
template <template <class> class P>
constexpr Drawer<double> drawer_of_double() {
  return [](const DrawInput<double>& in) -> std::unique_ptr<Perturbation<double>> {
    return std::make_unique<P<double>>(in);
  };
}

// The maximum |w| of a layer: the scale of additive weight noise and of stuck-on devices
// (the largest conductance the layer is programmed to).
template <class Dense>
double max_abs(const Dense& w) {
  return w.size() ? double(w.cwiseAbs().maxCoeff()) : 0.0;
}

}  // namespace ns
