// Converter quantisation. A crossbar's inputs come from DACs and its outputs go through ADCs,
// each with B bits: 2^B evenly spaced values over a range [lo, hi], values outside clipped
// (the converter model of aihwkit's inp_res/out_res and inp_bound/out_bound, Rasch et al.,
// AICAS 2021):
//   DAC  quantises each layer's input x
//   ADC  quantises each layer's product W~ x^, before the digital bias
// q(v) = lo + d round((clip(v, lo, hi) - lo) / d),  d = (hi - lo) / (2^B - 1).
// The range is fixed (noise.KIND.min and noise.KIND.max) or, by default, calibrated: the
// [min, max] of the clean signal on the calibration data (the test inputs in evaluation, each
// batch in training). Levels are bits. Training passes gradients straight through (the
// straight-through estimator, Bengio et al. 2013). No random draws: repetitions agree.
#include <fmt/format.h>

#include <cmath>

#include "config/run_config.hpp"
#include "core/error.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {
namespace {

struct Range {
  double lo, hi;
};

template <class S>
Range range_of(const DrawInput<S>& in, std::string_view kind, const KindParameter* params,
               bool input) {
  const double lo = in.settings->parameters.at(0), hi = in.settings->parameters.at(1);
  if (std::isnan(lo) != std::isnan(hi))
    throw Error(
        fmt::format("noise.{}: set both {} and {} for a fixed range, or neither for a "
                    "calibrated one",
                    kind, params[0].name, params[1].name));
  if (!std::isnan(lo)) {
    if (!(lo < hi)) throw Error(fmt::format("noise.{}: the range [{}, {}] is empty", kind, lo, hi));
    return {lo, hi};
  }
  const LayerCalibration& c = *in.calibration;
  return input ? Range{c.input_min, c.input_max} : Range{c.product_min, c.product_max};
}

template <class S>
void quantise(Mat<S>& v, Range r, double bits) {
  const double steps = std::exp2(bits) - 1;
  const S lo = S(r.lo), hi = S(r.hi), step = S((r.hi - r.lo) / steps);
  if (step <= S(0)) {
    v.setConstant(lo);
    return;
  }
  v = (((v.array().max(lo).min(hi) - lo) / step).round() * step + lo).matrix();
}

constexpr KindParameter kRangeParameters[] = {
    {.name = "min",
     .type = "number",
     .help = "lower end of the converter's range (with max; default: calibrated)",
     .fallback = std::numeric_limits<double>::quiet_NaN(),
     .nan_allowed = true},
    {.name = "max",
     .type = "number",
     .help = "upper end of the converter's range (with min; default: calibrated)",
     .fallback = std::numeric_limits<double>::quiet_NaN(),
     .nan_allowed = true},
};

template <class S>
class Dac final : public Perturbation<S> {
 public:
  explicit Dac(const DrawInput<S>& in)
      : range_(range_of(in, "DAC", kRangeParameters, true)), bits_(in.strength) {}
  void input(Mat<S>& x) const override { quantise(x, range_, bits_); }

 private:
  Range range_;
  double bits_;
};

template <class S>
class Adc final : public Perturbation<S> {
 public:
  explicit Adc(const DrawInput<S>& in)
      : range_(range_of(in, "ADC", kRangeParameters, false)), bits_(in.strength) {}
  bool changes_product() const override { return true; }
  void product(Mat<S>& z, const Eigen::Ref<const Mat<S>>&, const Mat<S>&) const override {
    quantise(z, range_, bits_);
  }
  // Straight through: g_z is passed on unchanged.

 private:
  Range range_;
  double bits_;
};

std::vector<double> dac_levels(const EvalConfig&, const KindSettings&) {
  return {1, 2, 3, 4, 6, 8};
}
std::vector<double> adc_levels(const EvalConfig&, const KindSettings&) {
  return {2, 3, 4, 5, 6, 8, 10};
}

constexpr LevelRule kBits{.unit = "bit count",
                          .symbol = "bits",
                          .min = 1,
                          .max = 24,
                          .integer = true,
                          .harsher_when_lower = true};
constexpr std::string_view kCitation = "Rasch et al., AICAS 2021 (aihwkit's converter model)";

}  // namespace

extern const Nonideality kDac{.name = "DAC",
                              .summary = "input (DAC) quantisation of every layer to B bits",
                              .citation = kCitation,
                              .levels = kBits,
                              .scope = LayerScope::All,
                              .per_chip = true,
                              .needs_calibration = true,
                              .parameters = kRangeParameters,
                              .default_levels = dac_levels,
                              .draw_float = drawer_of_float<Dac>(),
                              .draw_double = drawer_of_double<Dac>()};

extern const Nonideality kAdc{
    .name = "ADC",
    .summary = "output (ADC) quantisation of every layer's product to B bits",
    .citation = kCitation,
    .levels = kBits,
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = true,
    .parameters = kRangeParameters,
    .default_levels = adc_levels,
    .draw_float = drawer_of_float<Adc>(),
    .draw_double = drawer_of_double<Adc>()};

}  // namespace ns
