#pragma once
// The schema of run settings: every key a run file (or a study's grid) may set, its type, its
// help text and how it is checked and applied. One table serves parsing, validation, error
// suggestions and `noisesweep settings`. The nonidealities' settings (train.noise.KIND,
// eval.KIND.levels, noise.KIND.*) are made from the registry (config/kind_settings.cpp).
#include <toml++/toml.h>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "config/run_config.hpp"
#include "core/error.hpp"

namespace ns {

// The setting being applied and where, so that value errors can name both.
struct SettingSite {
  std::string_view key;
  SourcePlace place;
  [[noreturn]] void fail(const std::string& what) const;
};

struct Setting {
  std::string key;   // dotted, e.g. "train.lr"
  std::string type;  // for people, e.g. "number > 0"
  std::string help;
  std::function<void(RunConfig& cfg, const toml::node& value, const SettingSite& site)> apply;
  // The current value as TOML text; "" when unset (an optional setting left out).
  std::function<std::string(const RunConfig& cfg)> show;
};

std::span<const Setting> all_settings();
const Setting* find_setting(std::string_view key);
// The known key closest to a misspelt one, or "" when none is close.
std::string closest_setting(std::string_view key);

// Applies one dotted key; unknown keys and bad values throw ConfigError at `place`.
void apply_setting(RunConfig& cfg, std::string_view key, const toml::node& value,
                   const SourcePlace& place);

SourcePlace place_of(const toml::node& node, const std::string& file);

}  // namespace ns
