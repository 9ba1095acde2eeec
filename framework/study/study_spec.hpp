#pragma once
// The structure of a study file, checked but not yet expanded: its stages, each with the
// settings it overrides, its grid axes and its variants. Expansion (study/expand.hpp) turns it
// into tasks. Nodes point into `root`, which the spec owns.
#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "config/toml_input.hpp"

#include "core/error.hpp"
#include "study/label.hpp"

namespace ns {

// One value of a grid axis. Settings axes hold a TOML node; the seed axis holds an integer.
struct AxisValue {
  const toml::node* node = nullptr;  // null for the seed axis
  std::uint64_t seed_value = 0;
  SourcePlace place;
};

struct GridAxis {
  std::string key;  // a settings key, or "seed"
  SourcePlace place;
  std::vector<AxisValue> values;
  bool is_seed() const { return key == "seed"; }
};

// A key set somewhere in the file, and where it was first set.
struct KeyPlace {
  std::string key;
  SourcePlace place;
};

struct StageSpec {
  std::string name;
  SourcePlace place;      // of its name (or of the stage's table, for the implicit stage "main")
  std::string init_from;  // the stage it starts from; "" = fresh initialisation
  SourcePlace init_from_place;
  std::string settings_section;  // where single values go, for messages: "[stage.settings]"
  const toml::table* settings = nullptr;     // null when absent
  std::vector<const toml::table*> variants;  // empty: one variant that changes nothing; the
                                             // tables hold settings only (labels taken out)
  std::vector<std::string> variant_labels;   // one per variant, or empty when unlabelled
  std::vector<KeyPlace> settings_keys;       // keys of `settings`, in file order
  std::vector<KeyPlace> variant_keys;        // keys set by any variant, in first-seen order
  std::vector<GridAxis> grid;                // in file order: the first axis varies slowest

  // Grid and variant keys, "seed" first, then "label" when the variants are labelled, then in
  // file order: what tells its tasks apart.
  std::vector<std::string> axis_keys() const;
};

struct StudySpec {
  std::unique_ptr<toml::table> root;  // owns every node the stages point to
  std::string name;
  std::uint64_t seed = 1;
  const toml::table* defaults = nullptr;  // null when absent
  bool keep_all_weights = false;          // archive.weights = "all"
  bool keep_stats = true;                 // archive.stats: per-task network statistics
  std::vector<StageSpec> stages;
};

// Parses and checks the structure: unknown keys, types, names, empty axes, seeds. Values of
// settings are checked here too (against a scratch config), so errors come in file order.
StudySpec read_study_spec(const std::string& text, const std::string& file);

}  // namespace ns
