#include "config/settings.hpp"

#include "config/kind_settings.hpp"
#include "config/setting_values.hpp"
#include "config/toml_input.hpp"
#include "core/edit_distance.hpp"
#include "nonideality/registry.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace ns {

void SettingSite::fail(const std::string& what) const {
  throw ConfigError(place, std::string(key), what);
}

namespace {

using Site = SettingSite;
using namespace setting_values;

constexpr Activation kActivations[] = {Activation::Sigmoid, Activation::Tanh,
                                       Activation::Relu,    Activation::Gelu,
                                       Activation::Erf,     Activation::PhotonicSigmoid};
constexpr NoisePlacement kPlacements[] = {NoisePlacement::After, NoisePlacement::Before};
constexpr OptimizerKind kOptimizers[] = {OptimizerKind::Sgd, OptimizerKind::Adam,
                                         OptimizerKind::Adagrad};

// Short names keep the table below readable.
using C = RunConfig;
using N = toml::node;

// clang-format off
const Setting kSettingsBeforeNoise[] = {
  {"seed", "integer >= 0", "Run seed: every random stream (init, split, shuffle, noise) derives from it.",
   [](C& c, const N& v, const Site& s) {
     const std::int64_t seed = integer(v, s);
     if (seed < 0) s.fail(fmt::format("must be >= 0, got {}", seed));
     c.seed = std::uint64_t(seed); },
   [](const C& c) -> std::string { return num(c.seed); }},
  {"data.name", "mnist | fashion | synthetic | idx", "Dataset. 'idx' reads the four IDX files in data.dir.",
   [](C& c, const N& v, const Site& s) {
     const std::string n = string(v, s);
     if (n != "mnist" && n != "fashion" && n != "synthetic" && n != "idx")
       s.fail(fmt::format("unknown dataset '{}'; expected 'mnist', 'fashion', 'synthetic' or 'idx'", n));
     c.data.name = n; },
   [](const C& c) -> std::string { return quote(c.data.name); }},
  {"data.dir", "path", "Data folder (mnist and fashion live in DIR/mnist and DIR/fashion).",
   [](C& c, const N& v, const Site& s) { c.data.dir = string(v, s); },
   [](const C& c) -> std::string { return quote(c.data.dir); }},
  {"data.validation_fraction", "number in [0, 1)", "Share of the training images held out for validation (seeded split).",
   [](C& c, const N& v, const Site& s) {
     const double f = non_negative(v, s);
     if (f >= 1) s.fail(fmt::format("must be below 1, got {}", f));
     c.data.validation_fraction = f; },
   [](const C& c) -> std::string { return num(c.data.validation_fraction); }},
  {"data.mean", "number", "Standardisation mean (default: the dataset's own).",
   [](C& c, const N& v, const Site& s) { c.data.mean = number(v, s); },
   [](const C& c) -> std::string { return std::isnan(c.data.mean) ? "" : num(c.data.mean); }},
  {"data.std", "number > 0", "Standardisation std (default: the dataset's own).",
   [](C& c, const N& v, const Site& s) { c.data.std = positive(v, s); },
   [](const C& c) -> std::string { return std::isnan(c.data.std) ? "" : num(c.data.std); }},
  {"data.limit_train", "integer >= 0", "Use only the first N official training images (0 = all).",
   [](C& c, const N& v, const Site& s) { c.data.limit_train = int_at_least(v, s, 0); },
   [](const C& c) -> std::string { return num(c.data.limit_train); }},
  {"data.limit_test", "integer >= 0", "Use only the first N test images (0 = all).",
   [](C& c, const N& v, const Site& s) { c.data.limit_test = int_at_least(v, s, 0); },
   [](const C& c) -> std::string { return num(c.data.limit_test); }},
  {"data.classes", "integer >= 2", "Classes (output units); labels must lie below it. Default: the data set's own (10 for mnist and fashion, data.synthetic.classes); required for idx.",
   [](C& c, const N& v, const Site& s) { c.data.classes = int_at_least(v, s, 2); },
   [](const C& c) -> std::string { return c.data.classes == 0 ? "" : num(c.data.classes); }},
  {"data.synthetic.samples", "integer >= 10", "Synthetic data: number of samples (train + validation + test).",
   [](C& c, const N& v, const Site& s) { c.data.synthetic_samples = int_at_least(v, s, 10); },
   [](const C& c) -> std::string { return num(c.data.synthetic_samples); }},
  {"data.synthetic.features", "integer >= 1", "Synthetic data: input features.",
   [](C& c, const N& v, const Site& s) { c.data.synthetic_features = int_at_least(v, s, 1); },
   [](const C& c) -> std::string { return num(c.data.synthetic_features); }},
  {"data.synthetic.classes", "integer >= 2", "Synthetic data: classes (Gaussian clusters).",
   [](C& c, const N& v, const Site& s) { c.data.synthetic_classes = int_at_least(v, s, 2); },
   [](const C& c) -> std::string { return num(c.data.synthetic_classes); }},
  {"data.synthetic.separation", "number > 0", "Synthetic data: distance scale between class centres.",
   [](C& c, const N& v, const Site& s) { c.data.synthetic_separation = positive(v, s); },
   [](const C& c) -> std::string { return num(c.data.synthetic_separation); }},
  {"model.hidden", "list of integers >= 1", "Hidden layer widths, e.g. [300, 300].",
   [](C& c, const N& v, const Site& s) {
     c.model.hidden.clear();
     for (const N& w : list(v, s, false)) c.model.hidden.push_back(int_at_least(w, s, 1)); },
   [](const C& c) -> std::string { return list(c.model.hidden); }},
  {"model.activation", "sigmoid | tanh | relu | gelu | erf | photonic_sigmoid", "Hidden activation.",
   [](C& c, const N& v, const Site& s) { c.model.activation = choice(v, s, kActivations); },
   [](const C& c) -> std::string { return quote(to_string(c.model.activation)); }},
  {"model.noise_placement", "after | before", "Hardware noise on the activation's output (after) or its input (before).",
   [](C& c, const N& v, const Site& s) { c.model.noise_placement = choice(v, s, kPlacements); },
   [](const C& c) -> std::string { return quote(to_string(c.model.noise_placement)); }},
  {"train.optimizer", "sgd | adam | adagrad", "Optimiser (PyTorch's definitions).",
   [](C& c, const N& v, const Site& s) { c.train.optimizer.kind = choice(v, s, kOptimizers); },
   [](const C& c) -> std::string { return quote(to_string(c.train.optimizer.kind)); }},
  {"train.lr", "number > 0", "Learning rate.",
   [](C& c, const N& v, const Site& s) { c.train.optimizer.lr = positive(v, s); },
   [](const C& c) -> std::string { return num(c.train.optimizer.lr); }},
  {"train.momentum", "number in [0, 1)", "SGD momentum.",
   [](C& c, const N& v, const Site& s) {
     const double m = non_negative(v, s);
     if (m >= 1) s.fail(fmt::format("must be below 1, got {}", m));
     c.train.optimizer.momentum = m; },
   [](const C& c) -> std::string { return num(c.train.optimizer.momentum); }},
  {"train.beta1", "number in [0, 1)", "Adam beta1.",
   [](C& c, const N& v, const Site& s) { c.train.optimizer.beta1 = non_negative(v, s); if (c.train.optimizer.beta1 >= 1) s.fail("must be below 1"); },
   [](const C& c) -> std::string { return num(c.train.optimizer.beta1); }},
  {"train.beta2", "number in [0, 1)", "Adam beta2.",
   [](C& c, const N& v, const Site& s) { c.train.optimizer.beta2 = non_negative(v, s); if (c.train.optimizer.beta2 >= 1) s.fail("must be below 1"); },
   [](const C& c) -> std::string { return num(c.train.optimizer.beta2); }},
  {"train.epochs", "integer >= 0", "Epochs (0: evaluate the initial weights only).",
   [](C& c, const N& v, const Site& s) { c.train.epochs = int_at_least(v, s, 0); },
   [](const C& c) -> std::string { return num(c.train.epochs); }},
  {"train.batch_size", "integer >= 1", "Mini-batch size.",
   [](C& c, const N& v, const Site& s) { c.train.batch_size = int_at_least(v, s, 1); },
   [](const C& c) -> std::string { return num(c.train.batch_size); }},
  {"train.shuffle", "boolean", "Reshuffle the training set every epoch (false: the reference's fixed order).",
   [](C& c, const N& v, const Site& s) { c.train.shuffle = boolean(v, s); },
   [](const C& c) -> std::string { return c.train.shuffle ? "true" : "false"; }},
  {"train.init_from", "path", "Start from the weights in this file (written by --save-weights).",
   [](C& c, const N& v, const Site& s) { c.train.init_from = string(v, s); },
   [](const C& c) -> std::string { return c.train.init_from.empty() ? "" : quote(c.train.init_from); }},
};
// train.noise.KIND for every registered kind goes here (kind_settings.cpp).
const Setting kSettingsAfterTraining[] = {
  {"reg.lambda", "number >= 0", "Global weight of the regularisers: loss = CE + lambda * R.",
   [](C& c, const N& v, const Site& s) { c.reg.lambda = non_negative(v, s); },
   [](const C& c) -> std::string { return num(c.reg.lambda); }},
  {"reg.rowsum", "number or list, >= 0", "Row-sum term weight per receiving layer (hidden 2..L, output); one number = all. Paper: [1, 30].",
   [](C& c, const N& v, const Site& s) { c.reg.rowsum = per_layer(v, s); },
   [](const C& c) -> std::string { return per_layer_text(c.reg.rowsum); }},
  {"reg.saturation", "number >= 0", "Saturation term weight: mean over the batch of sum |f'(z)| (paper: 0.01 per sample summed over 128 = 1.28).",
   [](C& c, const N& v, const Site& s) { c.reg.saturation = non_negative(v, s); },
   [](const C& c) -> std::string { return num(c.reg.saturation); }},
  {"reg.saturation_layers", "list of integers >= 1", "Hidden layers (1-based) under the saturation term ([] = 2..L).",
   [](C& c, const N& v, const Site& s) {
     c.reg.saturation_layers.clear();
     for (const N& h : list(v, s, true)) c.reg.saturation_layers.push_back(int_at_least(h, s, 1)); },
   [](const C& c) -> std::string { return list(c.reg.saturation_layers); }},
  {"reg.l2_hidden", "number or list, >= 0", "L2 weight per receiving hidden layer (2..L); one number = all. Paper: 0.015.",
   [](C& c, const N& v, const Site& s) { c.reg.l2_hidden = per_layer(v, s); },
   [](const C& c) -> std::string { return per_layer_text(c.reg.l2_hidden); }},
  {"reg.l2_output", "number >= 0", "L2 weight on the output layer. Paper: 3.0.",
   [](C& c, const N& v, const Site& s) { c.reg.l2_output = non_negative(v, s); },
   [](const C& c) -> std::string { return num(c.reg.l2_output); }},
  {"eval.kinds", "list of kind names (see below)", "Nonidealities evaluated, each alone, each at its own levels (eval.KIND.levels).",
   [](C& c, const N& v, const Site& s) {
     c.eval.kinds.clear();
     for (const N& k : list(v, s, true)) {
       const std::string name = string(k, s);
       const NoiseKind kind = find_nonideality(name);
       if (!kind) s.fail(fmt::format("unknown nonideality '{}'; expected one of {}", name, nonideality_names()));
       if (std::find(c.eval.kinds.begin(), c.eval.kinds.end(), kind) != c.eval.kinds.end())
         s.fail(fmt::format("'{}' is listed twice", name));
       c.eval.kinds.push_back(kind);
     } },
   [](const C& c) -> std::string { return kinds_text(c.eval.kinds); }},
  {"eval.levels", "list of variances > 0, or {from, to, count}", "Variances of the paper's four kinds (AddUnc, AddCor, MulUnc, MulCor); a range is log-spaced. Default: 40 from 1e-3 to 1.",
   [](C& c, const N& v, const Site& s) {
     c.eval.levels = levels(v, s, [](double x) { return x > 0 ? "" : fmt::format("must be > 0, got {}", x); }); },
   [](const C& c) -> std::string { return list(c.eval.levels); }},
  {"eval.repetitions", "integer >= 1", "Noisy passes over the whole test set per kind and level.",
   [](C& c, const N& v, const Site& s) { c.eval.repetitions = int_at_least(v, s, 1); },
   [](const C& c) -> std::string { return num(c.eval.repetitions); }},
  {"eval.chunk", "integer >= 1",
   "Test samples per block: memory, and speed (the default keeps a block in cache); results do "
   "not depend on it.",
   [](C& c, const N& v, const Site& s) { c.eval.chunk = int_at_least(v, s, 1); },
   [](const C& c) -> std::string { return num(c.eval.chunk); }},
};
// clang-format on

std::string_view last_part(std::string_view key) {
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

}  // namespace

std::span<const Setting> all_settings() {
  // Built once, then read-only: the fixed rows around the rows made from the registry.
  static const std::vector<Setting> table = [] {
    std::vector<Setting> t(std::begin(kSettingsBeforeNoise), std::end(kSettingsBeforeNoise));
    for (Setting& s : training_noise_settings()) t.push_back(std::move(s));
    t.insert(t.end(), std::begin(kSettingsAfterTraining), std::end(kSettingsAfterTraining));
    for (Setting& s : nonideality_settings()) t.push_back(std::move(s));
    return t;
  }();
  return table;
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : all_settings())
    if (s.key == key) return &s;
  return nullptr;
}

std::string closest_setting(std::string_view key) {
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const Setting& s : all_settings()) {
    // A right name in the wrong table ("lr" for "train.lr") is as close as it gets.
    const std::size_t d = last_part(s.key) == last_part(key) ? 1 : edit_distance(key, s.key);
    if (d < best_distance) best_distance = d, best = s.key;
  }
  return best_distance <= std::max<std::size_t>(2, key.size() / 3) ? std::string(best) : "";
}

void apply_setting(RunConfig& cfg, std::string_view key, const toml::node& value,
                   const SourcePlace& place) {
  if (const Setting* s = find_setting(key)) return s->apply(cfg, value, SettingSite{s->key, place});
  const std::string hint = closest_setting(key);
  throw ConfigError(place, std::string(key),
                    hint.empty() ? "unknown setting (see `noisesweep settings`)"
                                 : fmt::format("unknown setting; did you mean '{}'?", hint));
}

SourcePlace place_of(const toml::node& node, const std::string& file) {
  return {file, std::size_t(node.source().begin.line), std::size_t(node.source().begin.column)};
}

}  // namespace ns
