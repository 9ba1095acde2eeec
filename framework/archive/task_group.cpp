#include "archive/task_group.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "nonideality/registry.hpp"

namespace ns {
namespace {

[[noreturn]] void malformed(const h5::Group& g, const std::string& what) {
  throw ArchiveError(g.file_path(), g.path(), what);
}

std::vector<EpochStats> read_curve(const h5::Group& g) {
  std::vector<std::int32_t> epoch;
  g.read("epoch", epoch);
  std::vector<EpochStats> curve(epoch.size());
  for (std::size_t i = 0; i < curve.size(); ++i) curve[i].epoch = epoch[i];
  const auto column = [&](const char* name, double EpochStats::*field) {
    std::vector<double> values;
    g.read(name, values);
    if (values.size() != curve.size()) {
      malformed(g, fmt::format("'{}' has {} values but 'epoch' has {}", name, values.size(),
                               curve.size()));
    }
    for (std::size_t i = 0; i < curve.size(); ++i) curve[i].*field = values[i];
  };
  column("loss", &EpochStats::loss);
  column("cross_entropy", &EpochStats::cross_entropy);
  column("train_accuracy", &EpochStats::train_accuracy);
  column("validation_accuracy", &EpochStats::validation_accuracy);
  column("seconds", &EpochStats::seconds);
  return curve;
}

NoiseKind parse_noise_kind(const h5::Group& g, const std::string& text) {
  if (NoiseKind k = find_nonideality(text)) return k;
  malformed(g, fmt::format("unknown noise kind '{}' in 'kinds' (this release knows {})", text,
                           nonideality_names()));
}

NoiseCurves read_noise(const h5::Group& g) {
  NoiseCurves noise;
  std::vector<std::string> kinds;
  g.read("kinds", kinds);
  for (const std::string& k : kinds) noise.kinds.push_back(parse_noise_kind(g, k));
  std::vector<double> levels, accuracy;
  const std::vector<hsize_t> level_dims = g.read("levels", levels);
  const std::vector<hsize_t> dims = g.read("accuracy", accuracy);
  const bool shared = level_dims.size() == 1;
  const hsize_t per_kind = shared ? level_dims[0] : level_dims.size() == 2 ? level_dims[1] : 0;
  if ((!shared && (level_dims.size() != 2 || level_dims[0] != kinds.size())) || dims.size() != 3 ||
      dims[0] != kinds.size() || dims[1] != per_kind ||
      dims[2] > static_cast<hsize_t>(std::numeric_limits<int>::max())) {
    malformed(g,
              fmt::format("'levels' has shape ({}) and 'accuracy' ({}); expected (L) or ({}, L), "
                          "and ({}, L, repetitions)",
                          fmt::join(level_dims, ", "), fmt::join(dims, ", "), kinds.size(),
                          kinds.size()));
  }
  noise.repetitions = static_cast<int>(dims[2]);
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const auto row = levels.begin() + (shared ? 0 : k * per_kind);
    std::vector<double> own(row, row + per_kind);
    if (!shared)  // drop the padding
      own.erase(std::find_if(own.begin(), own.end(), [](double x) { return std::isnan(x); }),
                own.end());
    const auto acc = accuracy.begin() + k * per_kind * noise.repetitions;
    noise.accuracy.insert(noise.accuracy.end(), acc, acc + own.size() * noise.repetitions);
    noise.levels.push_back(std::move(own));
  }
  return noise;
}

// Reads a 1-D dataset; any other shape is malformed.
template <class T>
std::vector<T> read_vector(const h5::Group& g, const std::string& name) {
  std::vector<T> values;
  const std::vector<hsize_t> dims = g.read(name, values);
  if (dims.size() != 1)
    malformed(g, fmt::format("'{}' has {} dimensions, expected 1", name, dims.size()));
  return values;
}

Histogram read_histogram(const h5::Group& g, const std::string& name) {
  Histogram h;
  h.edges = read_vector<double>(g, name + "_hist_edges");
  h.counts = read_vector<std::int64_t>(g, name + "_hist_counts");
  if (const std::string problem = histogram_problem(h); !problem.empty())
    malformed(g, fmt::format("histogram '{}': {}", name, problem));
  return h;
}

NetworkStats read_stats(const h5::Group& g) {
  NetworkStats s;
  const h5::Group layers = g.group("layers");
  const std::size_t layer_count = layers.children().size();
  for (std::size_t l = 0; l < layer_count; ++l) {
    // Opened by index, not by listing order: names sort as text ("10" before "2").
    const h5::Group layer = layers.group(std::to_string(l));
    LayerStats& stats = s.layers.emplace_back();
    stats.row_mean = read_vector<double>(layer, "row_mean");
    stats.row_std = read_vector<double>(layer, "row_std");
    stats.weights = read_histogram(layer, "weight");
    stats.biases = read_histogram(layer, "bias");
  }
  const h5::Group hidden = g.group("hidden");
  const std::size_t hidden_count = hidden.children().size();
  for (std::size_t h = 0; h < hidden_count; ++h) {
    const h5::Group layer = hidden.group(std::to_string(h));
    HiddenStats& stats = s.hidden.emplace_back();
    stats.preactivation = read_histogram(layer, "preactivation");
    stats.input = read_histogram(layer, "input");
  }
  // Also refuses an empty stats group: a record without statistics has none.
  if (s.empty()) malformed(g, "no layers");
  if (const std::string problem = network_stats_problem(s); !problem.empty()) malformed(g, problem);
  return s;
}

TaskStatus read_status(const h5::Group& g) {
  const std::string text = g.get_attr_string("status");
  try {
    return parse_task_status(text);
  } catch (const Error& e) {
    malformed(g, fmt::format("attribute 'status': {}", e.what()));
  }
}

int read_int(const h5::Group& g, const char* name) {
  const std::int64_t value = g.get_attr_int64(name);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
    malformed(g, fmt::format("attribute '{}' = {} is out of range", name, value));
  return static_cast<int>(value);
}

}  // namespace

StoredTask read_task_group(const h5::Group& g) {
  StoredTask stored;
  TaskRecord& r = stored.record;
  r.id = g.get_attr_string("id");
  if (g.path().substr(g.path().rfind('/') + 1) != r.id)
    malformed(g, fmt::format("attribute 'id' = '{}' does not match the group's name", r.id));
  r.stage = g.get_attr_string("stage");
  r.index = read_int(g, "index");
  r.status = read_status(g);
  r.message = g.get_attr_string("message");
  r.settings_text = g.get_attr_string("settings");
  r.seed = g.get_attr_uint64("seed");
  r.rank = read_int(g, "rank");
  r.host = g.get_attr_string("host");
  r.build = g.has_attr("build") ? g.get_attr_string("build") : "";  // absent before 0.2
  r.started = g.get_attr_double("started");
  r.finished = g.get_attr_double("finished");
  r.train_seconds = g.get_attr_double("train_seconds");
  r.eval_seconds = g.get_attr_double("eval_seconds");
  r.clean_accuracy = g.get_attr_double("clean_accuracy");

  const h5::Group axes = g.group("axes");
  for (const std::string& key : axes.attr_names())
    stored.axes.emplace_back(key, axes.get_attr_string(key));
  r.curve = read_curve(g.group("curve"));
  r.noise = read_noise(g.group("noise"));
  if (g.has("stats")) r.stats = read_stats(g.group("stats"));
  if (g.has("weights")) r.weights = read_model_weights(g.group("weights"));
  return stored;
}

}  // namespace ns
