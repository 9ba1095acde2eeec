// Programming noise: writing a weight to an analog device misses its target, once per chip.
// Each repetition of an evaluation is a new chip (one draw per weight, shared by every test
// sample); in training each batch is. Following the Gaussian programming-noise models used for
// hardware-aware training (Joshi et al., Nat. Commun. 11, 2473, 2020; Rasch et al., Nat. Commun.
// 14, 5282, 2023):
//   ProgAdd  W~ = W + s max|W| xi    (s: standard deviation relative to the layer's max |w|)
//   ProgMul  W~ = W (1 + s xi)       (s: relative standard deviation of each weight)
// xi ~ N(0, 1) per weight. Biases are digital and exact.
#include <cmath>

#include "config/run_config.hpp"
#include "nonideality/nonideality.hpp"
#include "nonideality/weight_noise_levels.hpp"

namespace ns {
namespace {

template <class S>
Mat<S> standard_normals(const DrawInput<S>& in) {
  Mat<S> xi(in.w.rows(), in.w.cols());
  rng::fill_normal(in.stream, 0, xi.data(), xi.size(), S(1));
  return xi;
}

template <class S>
class AdditiveProgramming final : public Perturbation<S> {
 public:
  explicit AdditiveProgramming(const DrawInput<S>& in)
      : offset_(standard_normals(in) * S(in.strength * max_abs(in.w))) {}
  bool changes_weights() const override { return true; }
  void weights(Mat<S>& w) const override { w += offset_; }

 private:
  Mat<S> offset_;
};

template <class S>
class MultiplicativeProgramming final : public Perturbation<S> {
 public:
  explicit MultiplicativeProgramming(const DrawInput<S>& in)
      : factor_((standard_normals(in) * S(in.strength)).array() + S(1)) {}
  bool changes_weights() const override { return true; }
  void weights(Mat<S>& w) const override { w.array() *= factor_.array(); }
  void weights_gradient(Mat<S>& g) const override { g.array() *= factor_.array(); }

 private:
  Mat<S> factor_;
};

constexpr std::string_view kCitation =
    "Joshi et al., Nat. Commun. 11, 2473 (2020); Rasch et al., Nat. Commun. 14, 5282 (2023)";

}  // namespace

extern const Nonideality kProgAdd{
    .name = "ProgAdd",
    .summary = "programming noise, additive: W + s max|W| N(0, 1) per weight, once per chip",
    .citation = kCitation,
    .levels = weight_noise::kRelativeStd,
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = weight_noise::additive_levels,
    .draw_float = drawer_of_float<AdditiveProgramming>(),
    .draw_double = drawer_of_double<AdditiveProgramming>()};

extern const Nonideality kProgMul{
    .name = "ProgMul",
    .summary = "programming noise, multiplicative: W (1 + s N(0, 1)) per weight, once per chip",
    .citation = kCitation,
    .levels = weight_noise::kRelativeStd,
    .scope = LayerScope::All,
    .per_chip = true,
    .needs_calibration = false,
    .parameters = {},
    .default_levels = weight_noise::multiplicative_levels,
    .draw_float = drawer_of_float<MultiplicativeProgramming>(),
    .draw_double = drawer_of_double<MultiplicativeProgramming>()};

}  // namespace ns
