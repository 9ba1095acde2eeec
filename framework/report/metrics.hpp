#pragma once
// What is measured on one task's noise curves: the accuracy at chosen noise levels and the
// area under the accuracy-vs-log10(variance) curve.
#include <optional>
#include <vector>

#include "eval/evaluate.hpp"

namespace ns::report {

// For each target variance, the available level nearest to it in log space (|log10 a - log10 t|
// smallest; a tie goes to the smaller level), without repeats, ascending. Log space because
// the levels are log-spaced: 0.01 is as far from 0.001 as from 0.1. Throws Error for a level or
// target that is not > 0.
std::vector<double> select_levels(const std::vector<double>& available,
                                  const std::vector<double>& targets);

// The index of `level` in `levels`, equal up to a relative 1e-9 (levels come from TOML text
// and log-spacing, so bitwise equality would be too strict), or nullopt.
std::optional<int> find_level(const std::vector<double>& levels, double level);

// The mean accuracy over log10(variance): the trapezoid integral of accuracy over
// x = log10(level), divided by the x range, so a value in [0, 1] for accuracies in [0, 1]; a
// flat curve gives its own accuracy. Levels may come in any order. One level (or all levels
// equal) gives the mean accuracy. Throws Error for mismatched sizes, no level, or a level that
// is not > 0.
double curve_auc(const std::vector<double>& levels, const std::vector<double>& accuracy);

// curve_auc of noise kind k's accuracy, averaged over repetitions at each level.
double noise_auc(const NoiseCurves& curves, int kind);

}  // namespace ns::report
