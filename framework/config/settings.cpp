#include "config/settings.hpp"

#include "config/toml_input.hpp"
#include "core/edit_distance.hpp"

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

double number(const toml::node& v, const Site& s) {
  if (auto i = v.as_integer()) return double(i->get());
  if (auto f = v.as_floating_point()) {
    if (!std::isfinite(f->get())) s.fail("must be a finite number");
    return f->get();
  }
  s.fail(fmt::format("expected a number, got {}", toml_type_name(v)));
}

std::int64_t integer(const toml::node& v, const Site& s) {
  if (auto i = v.as_integer()) return i->get();
  s.fail(fmt::format("expected an integer, got {}", toml_type_name(v)));
}

double non_negative(const toml::node& v, const Site& s) {
  const double x = number(v, s);
  if (x < 0) s.fail(fmt::format("must be >= 0, got {}", x));
  return x;
}

double positive(const toml::node& v, const Site& s) {
  const double x = number(v, s);
  if (x <= 0) s.fail(fmt::format("must be > 0, got {}", x));
  return x;
}

int int_at_least(const toml::node& v, const Site& s, std::int64_t lo) {
  const std::int64_t x = integer(v, s);
  if (x < lo || x > std::numeric_limits<int>::max())
    s.fail(fmt::format("must be an integer >= {}, got {}", lo, x));
  return int(x);
}

std::string string(const toml::node& v, const Site& s) {
  if (auto str = v.as_string()) return str->get();
  s.fail(fmt::format("expected a string, got {}", toml_type_name(v)));
}

bool boolean(const toml::node& v, const Site& s) {
  if (auto b = v.as_boolean()) return b->get();
  s.fail(fmt::format("expected true or false, got {}", toml_type_name(v)));
}

template <class E, std::size_t N>
E choice(const toml::node& v, const Site& s, const E (&options)[N]) {
  const std::string name = string(v, s);
  std::string valid;
  for (E e : options) {
    if (name == to_string(e)) return e;
    valid += fmt::format("{}'{}'", valid.empty() ? "" : ", ", to_string(e));
  }
  s.fail(fmt::format("unknown value '{}'; expected one of {}", name, valid));
}

const toml::array& list(const toml::node& v, const Site& s, bool allow_empty) {
  const toml::array* a = v.as_array();
  if (!a) s.fail(fmt::format("expected a list, got {}", toml_type_name(v)));
  if (!allow_empty && a->empty()) s.fail("the list is empty");
  return *a;
}

PerLayerWeights per_layer(const toml::node& v, const Site& s) {
  PerLayerWeights w;
  if (v.is_array()) {
    for (const toml::node& x : list(v, s, true)) w.values.push_back(non_negative(x, s));
  } else {
    w.values = {non_negative(v, s)};
    w.broadcast = true;
  }
  return w;
}

constexpr Activation kActivations[] = {Activation::Sigmoid, Activation::Tanh,
                                       Activation::Relu,    Activation::Gelu,
                                       Activation::Erf,     Activation::PhotonicSigmoid};
constexpr NoisePlacement kPlacements[] = {NoisePlacement::After, NoisePlacement::Before};
constexpr OptimizerKind kOptimizers[] = {OptimizerKind::Sgd, OptimizerKind::Adam,
                                         OptimizerKind::Adagrad};

// More noise levels than this is a typo: a curve of a million points already outresolves any
// figure. Checked before the levels are spaced out, since a count of 10^8 would otherwise
// allocate gigabytes for the list and its text before any other check could run.
constexpr int kMaxLevels = 1'000'000;
// A level as a double and as text in the resolved settings ("0.0012345678901234567, ").
constexpr double kBytesPerLevel = 8 + 24;

std::vector<double> levels(const toml::node& v, const Site& s) {
  if (const toml::table* t = v.as_table()) {
    for (auto&& [k, _] : *t)
      if (k != "from" && k != "to" && k != "count")
        s.fail(fmt::format("unknown field '{}'; a range is {{from = ..., to = ..., count = ...}}",
                           k.str()));
    if (!t->contains("from") || !t->contains("to") || !t->contains("count"))
      s.fail("a range needs from, to and count, e.g. {from = 1e-3, to = 1.0, count = 40}");
    const double from = positive(*t->get("from"), s), to = positive(*t->get("to"), s);
    const int count = int_at_least(*t->get("count"), s, 1);
    if (count > kMaxLevels)
      s.fail(
          fmt::format("count = {} is more levels than a run may have ({}): the list and its "
                      "text alone would take about {:.3g} GB, and their accuracies {:.3g} GB "
                      "per noise kind and repetition",
                      count, kMaxLevels, count * kBytesPerLevel / 1e9, count * 8.0 / 1e9));
    if (to < from) s.fail(fmt::format("range runs backwards: from {} to {}", from, to));
    return log_spaced(from, to, count);
  }
  std::vector<double> out;
  for (const toml::node& x : list(v, s, false)) out.push_back(positive(x, s));
  return out;
}

// Short names keep the table below readable.
using C = RunConfig;
using N = toml::node;

// TOML text of values, for the canonical form of resolved settings.
template <class T>
std::string num(T x) {
  return fmt::format("{}", x);
}
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}
template <class V>
std::string list(const V& values) {
  return fmt::format("[{}]", fmt::join(values, ", "));
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

template <NoiseKind K>
void train_noise(C& c, const N& v, const Site& s) {
  c.train.noise[K] = non_negative(v, s);
}

// clang-format off
const Setting kSettings[] = {
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
  {"train.noise.AddUnc", "variance >= 0", "Noise-aware training: additive uncorrelated noise.",
   [](C& c, const N& v, const Site& s) { train_noise<NoiseKind::AddUnc>(c, v, s); },
   [](const C& c) -> std::string { return num(c.train.noise.add_unc); }},
  {"train.noise.AddCor", "variance >= 0", "Noise-aware training: additive correlated noise.",
   [](C& c, const N& v, const Site& s) { train_noise<NoiseKind::AddCor>(c, v, s); },
   [](const C& c) -> std::string { return num(c.train.noise.add_cor); }},
  {"train.noise.MulUnc", "variance >= 0", "Noise-aware training: multiplicative uncorrelated noise.",
   [](C& c, const N& v, const Site& s) { train_noise<NoiseKind::MulUnc>(c, v, s); },
   [](const C& c) -> std::string { return num(c.train.noise.mul_unc); }},
  {"train.noise.MulCor", "variance >= 0", "Noise-aware training: multiplicative correlated noise.",
   [](C& c, const N& v, const Site& s) { train_noise<NoiseKind::MulCor>(c, v, s); },
   [](const C& c) -> std::string { return num(c.train.noise.mul_cor); }},
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
  {"eval.kinds", "list of AddUnc | AddCor | MulUnc | MulCor", "Noise kinds evaluated, each alone.",
   [](C& c, const N& v, const Site& s) {
     c.eval.kinds.clear();
     for (const N& k : list(v, s, true)) {
       const NoiseKind kind = choice(k, s, kAllNoiseKinds);
       if (std::find(c.eval.kinds.begin(), c.eval.kinds.end(), kind) != c.eval.kinds.end())
         s.fail(fmt::format("'{}' is listed twice", to_string(kind)));
       c.eval.kinds.push_back(kind);
     } },
   [](const C& c) -> std::string { return kinds_text(c.eval.kinds); }},
  {"eval.levels", "list of variances > 0, or {from, to, count}", "Noise variances; a range is log-spaced. Default: 40 from 1e-3 to 1.",
   [](C& c, const N& v, const Site& s) { c.eval.levels = levels(v, s); },
   [](const C& c) -> std::string { return list(c.eval.levels); }},
  {"eval.repetitions", "integer >= 1", "Noisy passes over the whole test set per kind and level.",
   [](C& c, const N& v, const Site& s) { c.eval.repetitions = int_at_least(v, s, 1); },
   [](const C& c) -> std::string { return num(c.eval.repetitions); }},
  {"eval.chunk", "integer >= 1", "Test samples per block (memory only; results do not depend on it).",
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
  return kSettings;
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : kSettings)
    if (s.key == key) return &s;
  return nullptr;
}

std::string closest_setting(std::string_view key) {
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const Setting& s : kSettings) {
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
