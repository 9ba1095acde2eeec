#pragma once
// Reading setting values from TOML, with errors that name the setting and its place, and
// printing them back as canonical TOML text. Shared by the settings table and the settings
// made from the nonideality registry.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/run_config.hpp"
#include "config/settings.hpp"

namespace ns::setting_values {

double number(const toml::node& v, const SettingSite& s);  // finite
std::int64_t integer(const toml::node& v, const SettingSite& s);
double non_negative(const toml::node& v, const SettingSite& s);
double positive(const toml::node& v, const SettingSite& s);
int int_at_least(const toml::node& v, const SettingSite& s, std::int64_t lo);
std::string string(const toml::node& v, const SettingSite& s);
bool boolean(const toml::node& v, const SettingSite& s);
const toml::array& list(const toml::node& v, const SettingSite& s, bool allow_empty);
PerLayerWeights per_layer(const toml::node& v, const SettingSite& s);
// A list of numbers, or a log-spaced range {from, to, count}; `check` returns what is wrong
// with one value ("" if nothing).
std::vector<double> levels(const toml::node& v, const SettingSite& s,
                           const std::function<std::string(double)>& check);

// One of `options`, by its to_string name.
template <class E, std::size_t N>
E choice(const toml::node& v, const SettingSite& s, const E (&options)[N]) {
  const std::string name = string(v, s);
  std::string valid;
  for (E e : options) {
    if (name == to_string(e)) return e;
    valid += fmt::format("{}'{}'", valid.empty() ? "" : ", ", to_string(e));
  }
  s.fail(fmt::format("unknown value '{}'; expected one of {}", name, valid));
}

// TOML text of values, for the canonical form of resolved settings.
template <class T>
std::string num(T x) {
  return fmt::format("{}", x);
}
std::string quote(std::string_view text);
template <class V>
std::string list(const V& values) {
  return fmt::format("[{}]", fmt::join(values, ", "));
}
std::string per_layer_text(const PerLayerWeights& w);
std::string kinds_text(const std::vector<NoiseKind>& kinds);

}  // namespace ns::setting_values
