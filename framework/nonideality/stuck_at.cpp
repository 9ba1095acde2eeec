// Stuck-at faults: a fraction p of a chip's devices ignore programming. Each weight is stuck
// independently with probability p, once per chip (the fault model of e.g. Xia et al., DATE
// 2017, "Stuck-at fault tolerance in RRAM computing systems"):
//   StuckOff  a stuck weight reads 0 (device stuck at its lowest conductance)
//   StuckOn   a stuck weight reads +-max|W| with a random sign (stuck at its highest)
// In training, a stuck weight receives no gradient.
#include "config/run_config.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {
namespace {

template <class S, bool On>
class StuckAt final : public Perturbation<S> {
 public:
  explicit StuckAt(const DrawInput<S>& in)
      : healthy_(in.w.rows(), in.w.cols()), stuck_value_(in.w.rows(), in.w.cols()) {
    const S high = S(max_abs(in.w));
    const rng::Stream sign = in.stream.child("sign");
    for (Index k = 0; k < healthy_.size(); ++k) {
      const bool stuck = uniform01(in.stream, std::uint64_t(k)) < in.strength;
      healthy_.data()[k] = stuck ? S(0) : S(1);
      stuck_value_.data()[k] = !stuck || !On                       ? S(0)
                               : (sign.bits(std::uint64_t(k)) & 1) ? high
                                                                   : -high;
    }
  }
  bool changes_weights() const override { return true; }
  void weights(Mat<S>& w) const override {
    w = (w.array() * healthy_.array() + stuck_value_.array()).matrix();
  }
  void weights_gradient(Mat<S>& g) const override { g.array() *= healthy_.array(); }

 private:
  Mat<S> healthy_;      // 1 for a working device, 0 for a stuck one
  Mat<S> stuck_value_;  // what a stuck device reads
};

template <class S>
using Off = StuckAt<S, false>;
template <class S>
using On = StuckAt<S, true>;

std::vector<double> default_levels(const EvalConfig&, const KindSettings&) {
  return {0.001, 0.003, 0.01, 0.03, 0.1, 0.3};
}

constexpr LevelRule kFraction{
    .unit = "fraction of stuck weights", .symbol = "p", .min = 0, .max = 1};
constexpr std::string_view kCitation = "Xia et al., DATE 2017 (stuck-at faults in RRAM crossbars)";

}  // namespace

extern const Nonideality kStuckOff{
    .name = "StuckOff",
    .summary = "stuck-at-0 faults: each weight reads 0 with probability p, once per chip",
    .citation = kCitation,
    .levels = kFraction,
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = default_levels,
    .draw_float = drawer_of_float<Off>(),
    .draw_double = drawer_of_double<Off>()};

extern const Nonideality kStuckOn{
    .name = "StuckOn",
    .summary = "stuck-on faults: each weight reads +-max|W| with probability p, once per chip",
    .citation = kCitation,
    .levels = kFraction,
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = default_levels,
    .draw_float = drawer_of_float<On>(),
    .draw_double = drawer_of_double<On>()};

}  // namespace ns
