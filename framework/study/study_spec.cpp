#include "study/study_spec.hpp"

#include "config/toml_input.hpp"
#include "core/edit_distance.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <span>
#include <tuple>

#include "config/run_file.hpp"
#include "config/settings.hpp"
#include "study/expand.hpp"
#include "study/grid.hpp"
#include "study/study_memory.hpp"

namespace ns {

namespace {

using Places = std::map<std::string, SourcePlace, std::less<>>;

constexpr std::string_view kStudyKeys[] = {"name",  "seed", "defaults", "archive",
                                           "stage", "grid", "variants"};
constexpr std::string_view kStageKeys[] = {"name", "init_from", "settings", "grid", "variants"};
constexpr std::string_view kArchiveKeys[] = {"weights", "stats"};

bool before(const SourcePlace& a, const SourcePlace& b) {
  return std::tie(a.line, a.column) < std::tie(b.line, b.column);
}

SourcePlace key_place(const toml::key& k, const std::string& file) {
  return {file, k.source().begin.line, k.source().begin.column};
}

// Where `key` is written in `table` (the key itself, not its value).
SourcePlace place_of_key(const toml::table& table, std::string_view key, const std::string& file) {
  const auto it = table.find(key);
  return it == table.end() ? SourcePlace{file} : key_place(it->first, file);
}

// A settings key, or a table that holds some ("train", "data.synthetic").
bool names_settings(std::string_view key) {
  for (const Setting& s : all_settings())
    if (s.key == key ||
        (s.key.starts_with(key) && s.key.size() > key.size() && s.key[key.size()] == '.'))
      return true;
  return false;
}

[[noreturn]] void unknown_key(const std::string& key, const SourcePlace& place,
                              std::span<const std::string_view> valid, std::string_view what,
                              std::string_view settings_section) {
  // A close structural word ("stages" for "stage"), as strict as closest_setting.
  const std::size_t tolerance = std::max<std::size_t>(1, key.size() / 3);
  std::string_view closest;
  for (std::string_view v : valid)
    if (edit_distance(key, v) <= tolerance &&
        (closest.empty() || edit_distance(key, v) < edit_distance(key, closest)))
      closest = v;
  std::string hint;
  if (names_settings(key)) {
    hint = fmt::format("run settings go in {}", settings_section);
  } else if (!closest.empty()) {
    hint = fmt::format("did you mean '{}'?", closest);
  } else if (const std::string setting = closest_setting(key); !setting.empty()) {
    hint = fmt::format("run settings go in {} (did you mean '{}'?)", settings_section, setting);
  } else {
    hint = fmt::format("expected {}", fmt::join(valid, ", "));
  }
  throw ConfigError(place, key, fmt::format("unknown {}; {}", what, hint));
}

void check_keys(const toml::table& table, const std::string& file,
                std::span<const std::string_view> valid, std::string_view what,
                std::string_view settings_section) {
  for (auto&& [k, _] : table)
    if (std::find(valid.begin(), valid.end(), k.str()) == valid.end())
      unknown_key(std::string(k.str()), key_place(k, file), valid, what, settings_section);
}

const toml::table& table_at(const toml::node& node, const std::string& key,
                            const SourcePlace& place, std::string_view example) {
  if (const toml::table* t = node.as_table()) return *t;
  throw ConfigError(place, key,
                    fmt::format("expected a table ({}), got {}", example, toml_type_name(node)));
}

std::string checked_name(const toml::node& node, const std::string& key, const SourcePlace& place) {
  const toml::value<std::string>* s = node.as_string();
  if (!s)
    throw ConfigError(place, key, fmt::format("expected a string, got {}", toml_type_name(node)));
  const std::string& name = s->get();
  // The first character must be a letter or digit: ".", ".." or ".x" would name hidden or
  // special files (runs/NAME.h5), and "-x" would read as an option on a command line.
  const bool ok =
      !name.empty() && std::isalnum(static_cast<unsigned char>(name.front())) &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
  if (!ok)
    throw ConfigError(place, key,
                      fmt::format("'{}' is not a valid name: start with a letter or digit, then "
                                  "use letters, digits, '_', '.' and '-' (it names archive groups "
                                  "and files)",
                                  name));
  return name;
}

// The keys a settings table sets, in file order. Applying them to a scratch config checks each
// value against the schema now, before any expansion.
std::vector<KeyPlace> settings_keys(const toml::table& table, const std::string& file) {
  RunConfig scratch;
  Places places;
  apply_table(scratch, table, file, places);
  std::vector<KeyPlace> keys;
  for (auto&& [key, place] : places) keys.push_back({key, place});
  std::sort(keys.begin(), keys.end(),
            [](const KeyPlace& a, const KeyPlace& b) { return before(a.place, b.place); });
  return keys;
}

// A task's seed is derived; a fixed seed in the settings would silently merge the replicates.
void forbid_seed(const std::vector<KeyPlace>& keys, std::string_view grid_section) {
  for (const KeyPlace& k : keys)
    if (k.key == "seed")
      throw ConfigError(k.place, "seed",
                        fmt::format("a study derives each task's seed: set the study's top-level "
                                    "seed, or sweep replicates with seed = {{replicates = N}} "
                                    "(or a list of integers) in {}",
                                    grid_section));
}

const KeyPlace* find_key(const std::vector<KeyPlace>& keys, std::string_view key) {
  for (const KeyPlace& k : keys)
    if (k.key == key) return &k;
  return nullptr;
}

// A swept key that a single value also sets would make that value dead text.
void check_overlaps(const StageSpec& stage, std::string_view grid_section) {
  for (const GridAxis& axis : stage.grid) {
    if (const KeyPlace* k = find_key(stage.settings_keys, axis.key))
      throw ConfigError(axis.place, axis.key,
                        fmt::format("set in {} (line {}) and swept in {}; keep one",
                                    stage.settings_section, k->place.line, grid_section));
    if (const KeyPlace* k = find_key(stage.variant_keys, axis.key))
      throw ConfigError(axis.place, axis.key,
                        fmt::format("set by a variant (line {}) and swept in {}; keep one",
                                    k->place.line, grid_section));
  }
}

struct Label {
  std::string text;
  SourcePlace place;
};

// A variant's label names it in reports and plots ("no saturation"); it is not a setting, so
// it leaves the table here and never reaches a task's settings or id.
std::optional<Label> take_label(toml::table& variant, const std::string& file) {
  const auto it = variant.find(kLabelKey);
  if (it == variant.end()) return std::nullopt;
  Label label{"", key_place(it->first, file)};
  const toml::value<std::string>* s = it->second.as_string();
  if (!s)
    throw ConfigError(label.place, std::string(kLabelKey),
                      fmt::format("expected a string, got {}", toml_type_name(it->second)));
  label.text = s->get();
  const bool printable = std::all_of(label.text.begin(), label.text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != '"' && c != '\\';
  });
  if (label.text.empty() || label.text.size() > kMaxLabelLength || !printable)
    throw ConfigError(label.place, std::string(kLabelKey),
                      fmt::format("'{}' is not a usable label: write 1 to {} characters, without "
                                  "quotes, backslashes or control characters (it titles table "
                                  "rows and plot legends)",
                                  label.text, kMaxLabelLength));
  variant.erase(it);
  return label;
}

// Labels are all or nothing within a stage, and distinct, so that every row and curve of the
// stage has a name of its own.
std::vector<std::string> checked_labels(const std::vector<std::optional<Label>>& labels,
                                        const std::string& stage, std::string_view section) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!labels[i]) continue;
    for (std::size_t j = 0; j < labels.size(); ++j)
      if (!labels[j])
        throw ConfigError(labels[i]->place, std::string(kLabelKey),
                          fmt::format("stage '{}': variant {} has a label but variant {} has "
                                      "none; label every {} of the stage, or none",
                                      stage, i + 1, j + 1, section));
    for (std::size_t j = 0; j < i; ++j)
      if (labels[j]->text == labels[i]->text)
        throw ConfigError(labels[i]->place, std::string(kLabelKey),
                          fmt::format("stage '{}': variants {} and {} are both labelled '{}'",
                                      stage, j + 1, i + 1, labels[i]->text));
    out.push_back(labels[i]->text);
  }
  return out;
}

struct Sections {
  std::string_view settings, grid, variants;
};
constexpr Sections kStageSections{"[stage.settings]", "[stage.grid]", "[[stage.variants]]"};
constexpr Sections kTopSections{"[defaults]", "[grid]", "[[variants]]"};

// grid and variants, the same at the top level and in a stage.
void read_sweeps(StageSpec& stage, toml::table& table, const std::string& file,
                 const Sections& sections) {
  if (const toml::node* grid = table.get("grid"))
    stage.grid =
        read_grid(table_at(*grid, "grid", place_of_key(table, "grid", file), sections.grid), file,
                  sections.settings);
  if (toml::node* variants = table.get("variants")) {
    const SourcePlace place = place_of_key(table, "variants", file);
    toml::array* list = variants->as_array();
    if (!list)
      throw ConfigError(place, "variants",
                        fmt::format("expected a list of tables (write each as {}), got {}",
                                    sections.variants, toml_type_name(*variants)));
    if (list->empty())
      throw ConfigError(place, "variants",
                        "the list is empty; leave variants out for a stage without them");
    std::vector<std::optional<Label>> labels;
    for (toml::node& v : *list) {
      table_at(v, "variants", place_of(v, file), sections.variants);  // throws if not a table
      toml::table& t = *v.as_table();  // mutable: its label is taken out
      labels.push_back(take_label(t, file));
      stage.variants.push_back(&t);
      for (KeyPlace& k : settings_keys(t, file))
        if (!find_key(stage.variant_keys, k.key)) stage.variant_keys.push_back(std::move(k));
    }
    stage.variant_labels = checked_labels(labels, stage.name, sections.variants);
    forbid_seed(stage.variant_keys, sections.grid);
    std::sort(stage.variant_keys.begin(), stage.variant_keys.end(),
              [](const KeyPlace& a, const KeyPlace& b) { return before(a.place, b.place); });
  }
  check_overlaps(stage, sections.grid);
}

StageSpec read_stage(toml::table& table, int number, const std::string& file) {
  check_keys(table, file, kStageKeys, "stage key", kStageSections.settings);
  StageSpec stage;
  stage.settings_section = kStageSections.settings;
  const toml::node* name = table.get("name");
  if (!name)
    throw ConfigError(
        place_of(table, file), "name",
        fmt::format("stage {} has no name; add name = \"...\" under its [[stage]]", number));
  stage.place = place_of_key(table, "name", file);
  stage.name = checked_name(*name, "name", stage.place);
  if (const toml::node* from = table.get("init_from")) {
    stage.init_from_place = place_of_key(table, "init_from", file);
    if (!from->is_string())
      throw ConfigError(
          stage.init_from_place, "init_from",
          fmt::format("expected the name of an earlier stage, got {}", toml_type_name(*from)));
    stage.init_from = from->as_string()->get();
  }
  if (const toml::node* settings = table.get("settings")) {
    stage.settings =
        &table_at(*settings, "settings", place_of_key(table, "settings", file), "[stage.settings]");
    stage.settings_keys = settings_keys(*stage.settings, file);
    forbid_seed(stage.settings_keys, kStageSections.grid);
  }
  read_sweeps(stage, table, file, kStageSections);
  return stage;
}

std::vector<StageSpec> read_stages(toml::table& root, const std::string& file) {
  std::vector<StageSpec> stages;
  toml::node* node = root.get("stage");
  if (!node) {
    // The short form: one stage, its grid and variants at the top level.
    StageSpec main;
    main.name = "main";
    main.place = place_of_key(root,
                              root.contains("grid")       ? "grid"
                              : root.contains("variants") ? "variants"
                                                          : "name",
                              file);
    main.settings_section = kTopSections.settings;
    read_sweeps(main, root, file, kTopSections);
    stages.push_back(std::move(main));
    return stages;
  }
  for (std::string_view top_level : {"grid", "variants"})
    if (root.contains(top_level))
      throw ConfigError(
          place_of_key(root, top_level, file), std::string(top_level),
          fmt::format("this study has [[stage]] sections, so each stage has its "
                      "own {}; move this into a stage (or drop the stages for a "
                      "one-stage study)",
                      top_level == "grid" ? kStageSections.grid : kStageSections.variants));
  const SourcePlace place = place_of_key(root, "stage", file);
  toml::array* list = node->as_array();
  if (!list || list->empty() || !list->is_array_of_tables())
    throw ConfigError(place, "stage",
                      "expected one or more stages, each written as a [[stage]] table");
  std::vector<double> stage_tasks;
  for (toml::node& t : *list) {
    StageSpec stage = read_stage(*t.as_table(), int(stages.size()) + 1, file);
    for (const StageSpec& earlier : stages)
      if (earlier.name == stage.name)
        throw ConfigError(stage.place, "name",
                          fmt::format("a stage named '{}' already exists (line {})", stage.name,
                                      earlier.place.line));
    stage_tasks.push_back(stage_task_count(stage));
    stages.push_back(std::move(stage));
    // Each stage holds its grid's values: a file of many large stages is refused as soon as
    // their sum passes the cap, not after all of them have been read.
    check_task_count(stages, stage_tasks, false, nullptr);
  }
  return stages;
}

// init_from must name an earlier stage, so that parents always precede their children.
void check_dependencies(const std::vector<StageSpec>& stages) {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const StageSpec& s = stages[i];
    if (s.init_from.empty()) continue;
    const auto it = std::find_if(stages.begin(), stages.end(),
                                 [&](const StageSpec& o) { return o.name == s.init_from; });
    if (it == stages.end()) {
      std::vector<std::string_view> earlier;
      for (std::size_t j = 0; j < i; ++j) earlier.push_back(stages[j].name);
      throw ConfigError(s.init_from_place, "init_from",
                        earlier.empty() ? fmt::format("no stage named '{}'; the first stage "
                                                      "cannot start from another",
                                                      s.init_from)
                                        : fmt::format("no stage named '{}'; earlier stages: {}",
                                                      s.init_from, fmt::join(earlier, ", ")));
    }
    if (it == stages.begin() + std::ptrdiff_t(i))
      throw ConfigError(s.init_from_place, "init_from",
                        fmt::format("stage '{}' cannot start from itself", s.name));
    if (it > stages.begin() + std::ptrdiff_t(i))
      throw ConfigError(s.init_from_place, "init_from",
                        fmt::format("stage '{}' comes after stage '{}'; a stage can only start "
                                    "from an earlier one",
                                    s.init_from, s.name));
  }
}

}  // namespace

std::vector<std::string> StageSpec::axis_keys() const {
  std::vector<KeyPlace> keys = variant_keys;
  std::string seed;
  for (const GridAxis& a : grid)
    if (a.is_seed())
      seed = a.key;
    else
      keys.push_back({a.key, a.place});
  std::stable_sort(keys.begin(), keys.end(),
                   [](const KeyPlace& a, const KeyPlace& b) { return before(a.place, b.place); });
  std::vector<std::string> out;
  if (!seed.empty()) out.push_back(seed);
  if (!variant_labels.empty()) out.emplace_back(kLabelKey);
  for (const KeyPlace& k : keys) out.push_back(k.key);
  return out;
}

StudySpec read_study_spec(const std::string& text, const std::string& file) {
  StudySpec spec;
  spec.root = std::make_unique<toml::table>(parse_toml(text, file));
  // Not const: reading a variant takes its label out, leaving only settings in the table.
  toml::table& root = *spec.root;
  check_keys(root, file, kStudyKeys, "study key", kTopSections.settings);

  const toml::node* name = root.get("name");
  if (!name)
    throw ConfigError(SourcePlace{file}, "name",
                      "the study needs a name, e.g. name = \"quickstart\" at the top");
  spec.name = checked_name(*name, "name", place_of_key(root, "name", file));

  if (const toml::node* seed = root.get("seed")) {
    if (!seed->is_integer() || seed->as_integer()->get() < 0)
      throw ConfigError(place_of_key(root, "seed", file), "seed",
                        seed->is_integer()
                            ? fmt::format("the study seed must be an integer >= 0, got {}",
                                          seed->as_integer()->get())
                            : fmt::format("the study seed must be an integer >= 0, got {}",
                                          toml_type_name(*seed)));
    spec.seed = std::uint64_t(seed->as_integer()->get());
  }

  if (const toml::node* defaults = root.get("defaults")) {
    spec.defaults =
        &table_at(*defaults, "defaults", place_of_key(root, "defaults", file), "[defaults]");
    forbid_seed(settings_keys(*spec.defaults, file),
                root.contains("stage") ? kStageSections.grid : kTopSections.grid);
  }

  if (const toml::node* archive = root.get("archive")) {
    const toml::table& t =
        table_at(*archive, "archive", place_of_key(root, "archive", file), "[archive]");
    check_keys(t, file, kArchiveKeys, "archive key", kTopSections.settings);
    if (const toml::node* weights = t.get("weights")) {
      const std::string value = weights->value_or(std::string());
      if (value != "needed" && value != "all")
        throw ConfigError(
            place_of_key(t, "weights", file), "archive.weights",
            fmt::format(
                "expected \"needed\" (the weights later stages start "
                "from) or \"all\", got {}",
                weights->is_string() ? "'" + value + "'" : std::string(toml_type_name(*weights))));
      spec.keep_all_weights = value == "all";
    }
    if (const toml::node* stats = t.get("stats")) {
      if (!stats->is_boolean())
        throw ConfigError(place_of_key(t, "stats", file), "archive.stats",
                          fmt::format("expected true or false, got {}", toml_type_name(*stats)));
      spec.keep_stats = stats->value_or(true);
    }
  }

  spec.stages = read_stages(root, file);
  check_dependencies(spec.stages);
  return spec;
}

}  // namespace ns
