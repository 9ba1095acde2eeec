#include "report/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.hpp"

namespace ns::report {

namespace {

void check_positive(double level, const char* what) {
  if (!(level > 0))
    throw Error(fmt::format("{} {} is not a noise variance > 0; levels are compared in log space",
                            what, level));
}

}  // namespace

std::vector<double> select_levels(const std::vector<double>& available,
                                  const std::vector<double>& targets) {
  for (double a : available) check_positive(a, "noise level");
  for (double t : targets) check_positive(t, "requested noise level");
  std::vector<double> sorted = available;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> chosen;
  if (sorted.empty()) return chosen;
  for (double t : targets) {
    double best = sorted.front();
    for (double a : sorted)  // ascending, and only a strictly nearer level replaces: ties go low
      if (std::abs(std::log10(a / t)) < std::abs(std::log10(best / t))) best = a;
    if (std::find(chosen.begin(), chosen.end(), best) == chosen.end()) chosen.push_back(best);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::optional<int> find_level(const std::vector<double>& levels, double level) {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (std::abs(levels[i] - level) <= 1e-9 * std::max(std::abs(levels[i]), std::abs(level)))
      return int(i);
  return std::nullopt;
}

double curve_auc(const std::vector<double>& levels, const std::vector<double>& accuracy) {
  if (levels.size() != accuracy.size())
    throw Error(fmt::format("a noise curve has {} levels but {} accuracies", levels.size(),
                            accuracy.size()));
  if (levels.empty()) throw Error("a noise curve without levels has no area");
  std::vector<std::pair<double, double>> points;  // (log10 level, accuracy)
  for (std::size_t i = 0; i < levels.size(); ++i) {
    check_positive(levels[i], "noise level");
    points.emplace_back(std::log10(levels[i]), accuracy[i]);
  }
  std::sort(points.begin(), points.end());
  const double range = points.back().first - points.front().first;
  if (range == 0) {
    double sum = 0;
    for (const auto& p : points) sum += p.second;
    return sum / double(points.size());
  }
  double area = 0;
  for (std::size_t i = 1; i < points.size(); ++i)
    area += (points[i].first - points[i - 1].first) * (points[i].second + points[i - 1].second) / 2;
  return area / range;
}

double noise_auc(const NoiseCurves& curves, int kind) {
  // A level of 0 (a stuck fraction may be 0) has no place on a log axis: the area is over the
  // positive levels.
  std::vector<double> levels, means;
  for (int l = 0; l < int(curves.levels.at(kind).size()); ++l)
    if (curves.levels[kind][l] > 0) {
      levels.push_back(curves.levels[kind][l]);
      means.push_back(curves.mean(kind, l));
    }
  return curve_auc(levels, means);
}

}  // namespace ns::report
