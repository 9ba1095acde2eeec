#include "config/kind_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config/setting_values.hpp"
#include "nonideality/registry.hpp"

namespace ns {
namespace {

using namespace setting_values;
using C = RunConfig;
using N = toml::node;

// e.g. "bit count, an integer in [1, 24]", "variance > 0"
std::string level_text(const LevelRule& r) {
  if (r.max >= 1e300) return fmt::format("{} {}{}", r.unit, r.min_exclusive ? "> " : ">= ", r.min);
  return fmt::format("{}, {} in {}{}, {}]", r.unit, r.integer ? "an integer" : "a number",
                     r.min_exclusive ? "(" : "[", r.min, r.max);
}

void check_level(NoiseKind kind, const KindSettings& s, double value, const SettingSite& site) {
  if (const std::string problem = kind->level_problem(value, s); !problem.empty())
    site.fail(problem);
}

// A parameter changed: levels given before it must still hold (drift: t >= t0).
void recheck_levels(NoiseKind kind, const KindSettings& s, const SettingSite& site) {
  for (double level : s.levels)
    if (const std::string problem = kind->level_problem(level, s); !problem.empty())
      site.fail(fmt::format("eval.{}.levels no longer hold: {}", kind->name, problem));
  if (s.train > 0)
    if (const std::string problem = kind->level_problem(s.train, s); !problem.empty())
      site.fail(fmt::format("train.noise.{} no longer holds: {}", kind->name, problem));
}

Setting parameter_setting(NoiseKind kind, std::size_t index) {
  const KindParameter& p = kind->parameters[index];
  return {fmt::format("noise.{}.{}", kind->name, p.name), std::string(p.type),
          fmt::format("{}: {}.", kind->name, p.help),
          [kind, index](C& c, const N& v, const SettingSite& s) {
            const KindParameter& p = kind->parameters[index];
            KindSettings& ks = c.settings_of(kind);
            double x;
            if (p.boolean) {
              x = boolean(v, s) ? 1 : 0;
            } else {
              x = number(v, s);
              if (x < p.min || x > p.max)
                s.fail(p.max >= 1e300
                           ? fmt::format("must be >= {}, got {}", p.min, x)
                           : fmt::format("must be in [{}, {}], got {}", p.min, p.max, x));
            }
            ks.parameters.at(index) = x;
            recheck_levels(kind, ks, s);
          },
          [kind, index](const C& c) -> std::string {
            const KindParameter& p = kind->parameters[index];
            const double x = c.settings_of(kind).parameters.at(index);
            if (p.boolean) return x != 0 ? "true" : "false";
            return std::isnan(x) ? "" : num(x);
          }};
}

}  // namespace

std::vector<Setting> training_noise_settings() {
  std::vector<Setting> rows;
  for (NoiseKind kind : all_nonidealities()) {
    rows.push_back({fmt::format("train.noise.{}", kind->name),
                    fmt::format("{} (0: off)", level_text(kind->levels)),
                    fmt::format("Noise-aware training under {}: {}.", kind->name, kind->summary),
                    [kind](C& c, const N& v, const SettingSite& s) {
                      KindSettings& ks = c.settings_of(kind);
                      const double x = number(v, s);
                      if (x < 0) s.fail(fmt::format("must be >= 0, got {}", x));
                      if (x != 0) check_level(kind, ks, x, s);
                      ks.train = x;
                    },
                    [kind](const C& c) -> std::string { return num(c.settings_of(kind).train); }});
  }
  return rows;
}

std::vector<Setting> nonideality_settings() {
  std::vector<Setting> rows;
  for (NoiseKind kind : all_nonidealities()) {
    const RunConfig defaults;
    const std::vector<double> fallback = defaults.levels_of(kind);
    rows.push_back({fmt::format("eval.{}.levels", kind->name),
                    fmt::format("list or {{from, to, count}} of: {}", level_text(kind->levels)),
                    fmt::format("Levels of {} in evaluation. Default: {}.", kind->name,
                                fallback == defaults.eval.levels ? "eval.levels" : list(fallback)),
                    [kind](C& c, const N& v, const SettingSite& s) {
                      KindSettings& ks = c.settings_of(kind);
                      ks.levels =
                          levels(v, s, [&](double x) { return kind->level_problem(x, ks); });
                    },
                    [kind](const C& c) -> std::string {
                      const KindSettings& ks = c.settings_of(kind);
                      return ks.levels.empty() ? "" : list(ks.levels);
                    }});
    rows.push_back(
        {fmt::format("noise.{}.layers", kind->name), "list of integers >= 1",
         fmt::format("Weight layers (1-based; the output layer is the last) that {} acts on. "
                     "Default: every {}layer.",
                     kind->name,
                     kind->scope == LayerScope::Hidden   ? "hidden "
                     : kind->scope == LayerScope::Output ? "output "
                                                         : ""),
         [kind](C& c, const N& v, const SettingSite& s) {
           std::vector<int>& layers = c.settings_of(kind).layers;
           layers.clear();
           for (const N& l : list(v, s, true)) {
             layers.push_back(int_at_least(l, s, 1));
             if (std::count(layers.begin(), layers.end(), layers.back()) > 1)
               s.fail(fmt::format("layer {} is listed twice", layers.back()));
           }
         },
         [kind](const C& c) -> std::string {
           const std::vector<int>& layers = c.settings_of(kind).layers;
           return layers.empty() ? "" : list(layers);
         }});
    for (std::size_t i = 0; i < kind->parameters.size(); ++i)
      rows.push_back(parameter_setting(kind, i));
  }
  return rows;
}

}  // namespace ns
