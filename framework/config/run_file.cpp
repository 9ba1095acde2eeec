#include "config/run_file.hpp"

#include "nonideality/registry.hpp"

#include "config/toml_input.hpp"

#include <fmt/format.h>
#include <cmath>
#include <filesystem>

namespace ns {

void apply_table(RunConfig& cfg, const toml::table& table, const std::string& file,
                 std::map<std::string, SourcePlace, std::less<>>& places,
                 const std::string& prefix) {
  for (auto&& [k, node] : table) {
    const std::string key = prefix + std::string(k.str());
    const SourcePlace place{file, std::size_t(k.source().begin.line),
                            std::size_t(k.source().begin.column)};
    if (!find_setting(key) && node.is_table()) {
      apply_table(cfg, *node.as_table(), file, places, key + ".");
      continue;
    }
    apply_setting(cfg, key, node, place);
    places[key] = place;
  }
}

void validate(const RunConfig& cfg, const std::map<std::string, SourcePlace, std::less<>>& places,
              const std::string& file) {
  auto fail = [&](const std::string& key, const std::string& what) {
    const auto it = places.find(key);
    throw ConfigError(it != places.end() ? it->second : SourcePlace{file}, key, what);
  };
  const int hidden = int(cfg.model.hidden.size());
  auto check_per_layer = [&](const PerLayerWeights& w, const char* key, int count,
                             const char* layers) {
    if (!w.broadcast && !w.values.empty() && int(w.values.size()) != count)
      fail(key, fmt::format("{} weights given, but the model (hidden = {}) has {} {}",
                            w.values.size(), fmt::join(cfg.model.hidden, ", "), count, layers));
  };
  check_per_layer(cfg.reg.rowsum, "reg.rowsum", hidden, "receiving layers (hidden 2.., output)");
  check_per_layer(cfg.reg.l2_hidden, "reg.l2_hidden", hidden - 1,
                  "receiving hidden layers (hidden 2..)");
  for (int h : cfg.reg.saturation_layers)
    if (h > hidden)
      fail("reg.saturation_layers",
           fmt::format("hidden layer {} does not exist; the model has {}", h, hidden));
  if (cfg.reg.saturation > 0 && cfg.reg.saturation_layers.empty() && hidden < 2)
    fail("reg.saturation",
         "by default the term acts on hidden layers 2.., and the model has only one; set "
         "reg.saturation_layers = [1]");
  // Every nonideality's layers must exist and lie in its scope (hidden, output or all).
  const int layers = hidden + 1;
  for (NoiseKind kind : all_nonidealities())
    for (int l : cfg.settings_of(kind).layers)
      if (l > layers || !kind->in_scope(l - 1, layers))
        fail(fmt::format("noise.{}.layers", kind->name),
             fmt::format("layer {} cannot carry {}: the model (hidden = {}) has {} weight layers, "
                         "and {} acts on {}",
                         l, kind->name, fmt::join(cfg.model.hidden, ", "), layers, kind->name,
                         kind->scope_text(layers)));
  if (!cfg.train.init_from.empty() && !std::filesystem::exists(cfg.train.init_from))
    fail("train.init_from", fmt::format("file '{}' does not exist", cfg.train.init_from));
  if (cfg.data.name == "synthetic" && cfg.data.synthetic_samples < 6 * cfg.data.synthetic_classes)
    fail("data.synthetic.samples", "too few samples for the number of classes");
  // Two class counts for one data set would leave one of them silently ignored.
  if (cfg.data.name == "synthetic" && cfg.data.classes != 0 &&
      cfg.data.classes != cfg.data.synthetic_classes)
    fail("data.classes",
         fmt::format("{} classes, but data.synthetic.classes = {} generates {}; set only "
                     "data.synthetic.classes for synthetic data",
                     cfg.data.classes, cfg.data.synthetic_classes, cfg.data.synthetic_classes));
  if (cfg.data.name != "synthetic" && cfg.data.classes > 256)
    fail("data.classes", fmt::format("{} classes, but IDX labels are single bytes (at most 256)",
                                     cfg.data.classes));
}

RunFile read_run_text(const std::string& text, const std::string& file) {
  RunFile run;
  run.text = text;
  const toml::table table = parse_toml(text, file);
  apply_table(run.config, table, file, run.places);
  return run;
}

RunFile read_run_file(const std::string& path) {
  return read_run_text(read_text_file(path, "run file"), path);
}

RunFile parse_run_text(const std::string& text, const std::string& file) {
  RunFile run = read_run_text(text, file);
  validate(run.config, run.places, file);
  return run;
}

RunFile load_run_file(const std::string& path) {
  RunFile run = read_run_file(path);
  validate(run.config, run.places, path);
  return run;
}

std::string to_toml(const RunConfig& cfg) {
  std::string out;
  for (const Setting& s : all_settings()) {
    const std::string value = s.show(cfg);
    if (!value.empty()) out += fmt::format("{} = {}\n", s.key, value);
  }
  return out;
}

}  // namespace ns
