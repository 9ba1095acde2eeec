#include "config/setting_values.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "config/toml_input.hpp"

namespace ns::setting_values {

double number(const toml::node& v, const SettingSite& s) {
  if (auto i = v.as_integer()) return double(i->get());
  if (auto f = v.as_floating_point()) {
    if (!std::isfinite(f->get())) s.fail("must be a finite number");
    return f->get();
  }
  s.fail(fmt::format("expected a number, got {}", toml_type_name(v)));
}

std::int64_t integer(const toml::node& v, const SettingSite& s) {
  if (auto i = v.as_integer()) return i->get();
  s.fail(fmt::format("expected an integer, got {}", toml_type_name(v)));
}

double non_negative(const toml::node& v, const SettingSite& s) {
  const double x = number(v, s);
  if (x < 0) s.fail(fmt::format("must be >= 0, got {}", x));
  return x;
}

double positive(const toml::node& v, const SettingSite& s) {
  const double x = number(v, s);
  if (x <= 0) s.fail(fmt::format("must be > 0, got {}", x));
  return x;
}

int int_at_least(const toml::node& v, const SettingSite& s, std::int64_t lo) {
  const std::int64_t x = integer(v, s);
  if (x < lo || x > std::numeric_limits<int>::max())
    s.fail(fmt::format("must be an integer >= {}, got {}", lo, x));
  return int(x);
}

std::string string(const toml::node& v, const SettingSite& s) {
  if (auto str = v.as_string()) return str->get();
  s.fail(fmt::format("expected a string, got {}", toml_type_name(v)));
}

bool boolean(const toml::node& v, const SettingSite& s) {
  if (auto b = v.as_boolean()) return b->get();
  s.fail(fmt::format("expected true or false, got {}", toml_type_name(v)));
}

const toml::array& list(const toml::node& v, const SettingSite& s, bool allow_empty) {
  const toml::array* a = v.as_array();
  if (!a) s.fail(fmt::format("expected a list, got {}", toml_type_name(v)));
  if (!allow_empty && a->empty()) s.fail("the list is empty");
  return *a;
}

PerLayerWeights per_layer(const toml::node& v, const SettingSite& s) {
  PerLayerWeights w;
  if (v.is_array()) {
    for (const toml::node& x : list(v, s, true)) w.values.push_back(non_negative(x, s));
  } else {
    w.values = {non_negative(v, s)};
    w.broadcast = true;
  }
  return w;
}

// More noise levels than this is a typo: a curve of a million points already outresolves any
// figure. Checked before the levels are spaced out, since a count of 10^8 would otherwise
// allocate gigabytes for the list and its text before any other check could run.
constexpr int kMaxLevels = 1'000'000;
// A level as a double and as text in the resolved settings ("0.0012345678901234567, ").
constexpr double kBytesPerLevel = 8 + 24;

std::vector<double> levels(const toml::node& v, const SettingSite& s,
                           const std::function<std::string(double)>& check) {
  if (const toml::table* t = v.as_table()) {
    for (auto&& [k, _] : *t)
      if (k != "from" && k != "to" && k != "count")
        s.fail(fmt::format("unknown field '{}'; a range is {{from = ..., to = ..., count = ...}}",
                           k.str()));
    if (!t->contains("from") || !t->contains("to") || !t->contains("count"))
      s.fail("a range needs from, to and count, e.g. {from = 1e-3, to = 1.0, count = 40}");
    const double from = positive(*t->get("from"), s), to = positive(*t->get("to"), s);
    for (double end : {from, to})
      if (const std::string problem = check(end); !problem.empty()) s.fail(problem);
    const int count = int_at_least(*t->get("count"), s, 1);
    if (count > kMaxLevels)
      s.fail(
          fmt::format("count = {} is more levels than a run may have ({}): the list and its "
                      "text alone would take about {:.3g} GB, and their accuracies {:.3g} GB "
                      "per noise kind and repetition",
                      count, kMaxLevels, count * kBytesPerLevel / 1e9, count * 8.0 / 1e9));
    if (to < from) s.fail(fmt::format("range runs backwards: from {} to {}", from, to));
    std::vector<double> out = log_spaced(from, to, count);
    for (double x : out)
      if (const std::string problem = check(x); !problem.empty())
        s.fail(fmt::format("{} (the range holds {})", problem, x));
    return out;
  }
  std::vector<double> out;
  for (const toml::node& x : list(v, s, false)) {
    out.push_back(number(x, s));
    if (const std::string problem = check(out.back()); !problem.empty()) s.fail(problem);
  }
  return out;
}

// TOML text of values, for the canonical form of resolved settings.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}
std::string per_layer_text(const PerLayerWeights& w) {
  if (w.values.empty()) return "[]";
  return w.broadcast ? num(w.values.front()) : list(w.values);
}
std::string kinds_text(const std::vector<NoiseKind>& kinds) {
  std::vector<std::string> names;
  for (NoiseKind k : kinds) names.push_back(quote(to_string(k)));
  return list(names);
}

}  // namespace ns::setting_values
