#include "config/run_file.hpp"

#include <fmt/format.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  if (!cfg.train.init_from.empty() && !std::filesystem::exists(cfg.train.init_from))
    fail("train.init_from", fmt::format("file '{}' does not exist", cfg.train.init_from));
  if (cfg.data.name == "synthetic" && cfg.data.synthetic_samples < 6 * cfg.data.synthetic_classes)
    fail("data.synthetic.samples", "too few samples for the number of classes");
}

RunFile parse_run_text(const std::string& text, const std::string& file) {
  RunFile run;
  run.text = text;
  toml::table table;
  try {
    table = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw ConfigError(
        SourcePlace{file, std::size_t(e.source().begin.line), std::size_t(e.source().begin.column)},
        "", fmt::format("not valid TOML: {}", e.description()));
  }
  apply_table(run.config, table, file, run.places);
  validate(run.config, run.places, file);
  return run;
}

RunFile load_run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(SourcePlace{path}, "", "cannot open the run file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_run_text(text.str(), path);
}

std::string to_toml(const RunConfig& c) {
  auto list = [](const auto& v) { return fmt::format("[{}]", fmt::join(v, ", ")); };
  auto per_layer = [&](const PerLayerWeights& w) {
    return w.broadcast ? fmt::format("{}", w.values.front()) : list(w.values);
  };
  std::vector<std::string> kinds;
  for (NoiseKind k : c.eval.kinds) kinds.push_back(fmt::format("\"{}\"", to_string(k)));
  std::string out;
  out += fmt::format("seed = {}\n\n[data]\nname = \"{}\"\ndir = \"{}\"\nvalidation_fraction = {}\n",
                     c.seed, c.data.name, c.data.dir, c.data.validation_fraction);
  if (!std::isnan(c.data.mean)) out += fmt::format("mean = {}\n", c.data.mean);
  if (!std::isnan(c.data.std)) out += fmt::format("std = {}\n", c.data.std);
  out += fmt::format("limit_train = {}\nlimit_test = {}\n", c.data.limit_train, c.data.limit_test);
  if (c.data.name == "synthetic")
    out +=
        fmt::format("synthetic = {{samples = {}, features = {}, classes = {}, separation = {}}}\n",
                    c.data.synthetic_samples, c.data.synthetic_features, c.data.synthetic_classes,
                    c.data.synthetic_separation);
  out += fmt::format("\n[model]\nhidden = {}\nactivation = \"{}\"\nnoise_placement = \"{}\"\n",
                     list(c.model.hidden), to_string(c.model.activation),
                     to_string(c.model.noise_placement));
  const OptimizerConfig& o = c.train.optimizer;
  out += fmt::format(
      "\n[train]\noptimizer = \"{}\"\nlr = {}\nmomentum = {}\nbeta1 = {}\nbeta2 = {}\nepochs = {}\n"
      "batch_size = {}\nshuffle = {}\ninit_from = \"{}\"\nnoise = {{AddUnc = {}, AddCor = {}, "
      "MulUnc = {}, MulCor = {}}}\n",
      to_string(o.kind), o.lr, o.momentum, o.beta1, o.beta2, c.train.epochs, c.train.batch_size,
      c.train.shuffle, c.train.init_from, c.train.noise.add_unc, c.train.noise.add_cor,
      c.train.noise.mul_unc, c.train.noise.mul_cor);
  out += fmt::format("\n[reg]\nlambda = {}\n", c.reg.lambda);
  if (!c.reg.rowsum.values.empty()) out += fmt::format("rowsum = {}\n", per_layer(c.reg.rowsum));
  out += fmt::format("saturation = {}\n", c.reg.saturation);
  if (!c.reg.saturation_layers.empty())
    out += fmt::format("saturation_layers = {}\n", list(c.reg.saturation_layers));
  if (!c.reg.l2_hidden.values.empty())
    out += fmt::format("l2_hidden = {}\n", per_layer(c.reg.l2_hidden));
  out += fmt::format("l2_output = {}\n", c.reg.l2_output);
  out += fmt::format("\n[eval]\nkinds = {}\nlevels = {}\nrepetitions = {}\nchunk = {}\n",
                     list(kinds), list(c.eval.levels), c.eval.repetitions, c.eval.chunk);
  return out;
}

}  // namespace ns
