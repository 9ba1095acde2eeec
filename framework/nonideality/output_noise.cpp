// Output noise: Gaussian noise on the logits, which the paper's model leaves clean (its noise
// acts on hidden layers only). logits + N(0, v), one draw per output and sample; levels are
// variances.
#include <cmath>

#include "config/run_config.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {
namespace {

template <class S>
class OutputNoise final : public Perturbation<S> {
 public:
  explicit OutputNoise(const DrawInput<S>& in) : draws_(in.w.rows(), in.batch) {
    rng::fill_normal(in.stream, std::uint64_t(in.first_sample * in.w.rows()), draws_.data(),
                     draws_.size(), S(std::sqrt(in.strength)));
  }
  void shift(Mat<S>& y) const override { y += draws_; }

 private:
  Mat<S> draws_;  // outputs x samples
};

std::vector<double> default_levels(const EvalConfig&, const KindSettings&) {
  return log_spaced(1e-2, 1e2, 17);
}

}  // namespace

extern const Nonideality kOutputNoise{
    .name = "OutputNoise",
    .summary = "additive noise on the logits: logits + N(0, v) per output and sample",
    .citation = "",
    .levels =
        {.unit = "variance", .symbol = "variance", .min = 0, .max = 1e300, .min_exclusive = true},
    .scope = LayerScope::Output,
    .per_chip = false,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = default_levels,
    .draw_float = drawer_of_float<OutputNoise>(),
    .draw_double = drawer_of_double<OutputNoise>()};

}  // namespace ns
