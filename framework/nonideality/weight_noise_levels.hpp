#pragma once
// What programming noise and read noise share: a strength s relative to the weights, and the
// default levels of their additive and multiplicative forms.
#include <vector>

#include "config/run_config.hpp"
#include "nonideality/nonideality.hpp"

namespace ns::weight_noise {

inline constexpr LevelRule kRelativeStd{.unit = "relative standard deviation",
                                        .symbol = "s",
                                        .min = 0,
                                        .max = 10,
                                        .min_exclusive = true};

// Relative to max|W| an additive error hurts far sooner than a multiplicative one of the
// same s, which scales with each (mostly small) weight: the multiplicative sweep goes further.
inline std::vector<double> additive_levels(const EvalConfig&, const KindSettings&) {
  return {0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5};
}
inline std::vector<double> multiplicative_levels(const EvalConfig&, const KindSettings&) {
  return {0.05, 0.1, 0.2, 0.5, 1.0, 1.5};
}

}  // namespace ns::weight_noise
