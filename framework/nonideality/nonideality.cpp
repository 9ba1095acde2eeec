#include "nonideality/nonideality.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace ns {

bool Nonideality::in_scope(int layer, int layers) const {
  switch (scope) {
    case LayerScope::Hidden:
      return layer < layers - 1;
    case LayerScope::Output:
      return layer == layers - 1;
    case LayerScope::All:
      return true;
  }
  return false;
}

std::string Nonideality::scope_text(int layers) const {
  switch (scope) {
    case LayerScope::Hidden:
      return fmt::format("hidden layers 1..{}", layers - 1);
    case LayerScope::Output:
      return fmt::format("the output layer {}", layers);
    case LayerScope::All:
      break;
  }
  return fmt::format("layers 1..{}", layers);
}

std::string Nonideality::level_problem(double value, const KindSettings& settings) const {
  const LevelRule& r = levels;
  if (!std::isfinite(value)) return fmt::format("a {} must be a finite number", r.unit);
  if (r.integer && value != std::floor(value))
    return fmt::format("a {} must be an integer, got {}", r.unit, value);
  const bool below = r.min_exclusive ? value <= r.min : value < r.min;
  if (below || value > r.max)
    return fmt::format("a {} must be in {}{}, {}], got {}", r.unit, r.min_exclusive ? "(" : "[",
                       r.min, r.max, value);
  if (check_level) return check_level(value, settings);
  return "";
}

double Nonideality::parameter(const KindSettings& s, std::string_view wanted) const {
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].name == wanted) return s.parameters.at(i);
  throw Error(fmt::format("{} has no parameter '{}'", name, wanted));
}

}  // namespace ns
