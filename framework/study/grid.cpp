#include "study/grid.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <tuple>

#include "config/settings.hpp"

namespace ns {

namespace {

struct Leaf {
  std::string key;
  SourcePlace place;
  const toml::node* value;
};

bool before(const SourcePlace& a, const SourcePlace& b) {
  return std::tie(a.line, a.column) < std::tie(b.line, b.column);
}

// Nested tables become dotted keys, exactly as in run files (config/run_file.cpp).
void collect_leaves(const toml::table& table, const std::string& file, const std::string& prefix,
                    std::vector<Leaf>& out) {
  for (auto&& [k, node] : table) {
    const std::string key = prefix + std::string(k.str());
    if (!find_setting(key) && node.is_table()) {
      collect_leaves(*node.as_table(), file, key + ".", out);
      continue;
    }
    out.push_back({key, {file, k.source().begin.line, k.source().begin.column}, &node});
  }
}

[[noreturn]] void fail(const SourcePlace& place, const std::string& what) {
  throw ConfigError(place, "seed", what);
}

// What a seed axis value must be, and what it was.
std::string bad_integer(const toml::node& v, const char* what, int minimum) {
  if (v.is_integer())
    return fmt::format("{} must be an integer >= {}, got {}", what, minimum, v.as_integer()->get());
  return fmt::format("{} must be an integer >= {}, got {}", what, minimum, toml_type_name(v));
}

GridAxis read_seed_axis(const Leaf& leaf, const std::string& file) {
  GridAxis axis{leaf.key, leaf.place, {}};
  if (const toml::table* t = leaf.value->as_table()) {
    for (auto&& [k, _] : *t)
      if (k != "replicates")
        fail({file, k.source().begin.line, k.source().begin.column},
             fmt::format("unknown field '{}'; the seed axis is {{replicates = N}} or a list of "
                         "integers",
                         k.str()));
    const toml::node* n = t->get("replicates");
    if (!n) fail(leaf.place, "the seed axis needs replicates = N, e.g. seed = {replicates = 3}");
    if (!n->is_integer() || n->as_integer()->get() < 1)
      fail(place_of(*n, file), bad_integer(*n, "replicates", 1));
    const std::int64_t count = n->as_integer()->get();
    if (count > kMaxTasksPerStage)
      fail(place_of(*n, file), fmt::format("{} replicates is more than a stage may have ({})",
                                           count, kMaxTasksPerStage));
    for (std::int64_t r = 0; r < count; ++r)
      axis.values.push_back({nullptr, std::uint64_t(r), place_of(*n, file)});
    return axis;
  }
  const toml::array* list = leaf.value->as_array();
  if (!list)
    fail(leaf.place, fmt::format("the seed axis is {{replicates = N}} or a list of integers, "
                                 "e.g. [1, 2, 3]; got {}",
                                 toml_type_name(*leaf.value)));
  if (list->empty()) fail(leaf.place, "the grid axis is empty; give at least one value");
  for (const toml::node& v : *list) {
    if (!v.is_integer() || v.as_integer()->get() < 0)
      fail(place_of(v, file), bad_integer(v, "a seed", 0));
    axis.values.push_back({nullptr, std::uint64_t(v.as_integer()->get()), place_of(v, file)});
  }
  return axis;
}

GridAxis read_settings_axis(const Leaf& leaf, const std::string& file,
                            std::string_view settings_section) {
  const toml::array* list = leaf.value->as_array();
  if (!list)
    throw ConfigError(leaf.place, leaf.key,
                      fmt::format("a grid axis is a list of values, e.g. [0.1, 0.01]; for one "
                                  "value, put it in {}",
                                  settings_section));
  if (list->empty())
    throw ConfigError(leaf.place, leaf.key, "the grid axis is empty; give at least one value");
  const bool nested = std::any_of(list->begin(), list->end(),
                                  [](const toml::node& v) { return v.is_array() || v.is_table(); });
  if (value_is_list(leaf.key) && !nested)
    throw ConfigError(leaf.place, leaf.key,
                      fmt::format("an axis is a list of values, and one value of this key is "
                                  "itself a list: write a list of lists, e.g. [[1, 30], [0, 30]]; "
                                  "for one value, put it in {}",
                                  settings_section));
  GridAxis axis{leaf.key, leaf.place, {}};
  RunConfig scratch;  // checks each value alone now, so errors come in file order
  for (const toml::node& v : *list) {
    const SourcePlace place = place_of(v, file);
    apply_setting(scratch, leaf.key, v, place);
    axis.values.push_back({&v, 0, place});
  }
  return axis;
}

}  // namespace

bool value_is_list(std::string_view key) {
  const Setting* s = find_setting(key);
  return s && s->type.find("list") != std::string_view::npos;
}

std::vector<GridAxis> read_grid(const toml::table& grid, const std::string& file,
                                std::string_view settings_section) {
  std::vector<Leaf> leaves;
  collect_leaves(grid, file, "", leaves);
  // toml++ orders keys by name; the grid's order is the file's.
  std::sort(leaves.begin(), leaves.end(),
            [](const Leaf& a, const Leaf& b) { return before(a.place, b.place); });
  std::vector<GridAxis> axes;
  for (const Leaf& leaf : leaves) {
    for (const GridAxis& earlier : axes)
      if (earlier.key == leaf.key)
        throw ConfigError(
            leaf.place, leaf.key,
            fmt::format("swept twice in the same grid (also at line {})", earlier.place.line));
    if (leaf.key == "seed") {
      axes.push_back(read_seed_axis(leaf, file));
    } else if (!find_setting(leaf.key)) {
      RunConfig scratch;
      apply_setting(scratch, leaf.key, *leaf.value, leaf.place);  // throws: unknown key
    } else {
      axes.push_back(read_settings_axis(leaf, file, settings_section));
    }
  }
  return axes;
}

}  // namespace ns
