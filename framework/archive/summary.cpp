#include "archive/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "nonideality/registry.hpp"

namespace ns {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<NoiseKind> kinds_present(const std::vector<const TaskRecord*>& records) {
  std::vector<NoiseKind> kinds;
  for (NoiseKind kind : all_nonidealities()) {
    const bool present = std::any_of(records.begin(), records.end(), [&](const TaskRecord* r) {
      return std::find(r->noise.kinds.begin(), r->noise.kinds.end(), kind) != r->noise.kinds.end();
    });
    if (present) kinds.push_back(kind);
  }
  return kinds;
}

struct KindSummary {
  double at_max = kNaN, mean = kNaN;
};

KindSummary summarise(const TaskRecord& r, NoiseKind kind) {
  const NoiseCurves& n = r.noise;
  const auto found = std::find(n.kinds.begin(), n.kinds.end(), kind);
  if (r.status != TaskStatus::Done || found == n.kinds.end() || n.repetitions <= 0) return {};
  const int k = static_cast<int>(found - n.kinds.begin());
  const std::vector<double>& levels = n.levels[k];
  if (levels.empty()) return {};
  const auto strongest = kind->levels.harsher_when_lower
                             ? std::min_element(levels.begin(), levels.end())
                             : std::max_element(levels.begin(), levels.end());
  const int top = static_cast<int>(strongest - levels.begin());
  KindSummary s{0, 0};
  for (int l = 0; l < static_cast<int>(levels.size()); ++l) {
    for (int rep = 0; rep < n.repetitions; ++rep) {
      s.mean += n.at(k, l, rep);
      if (l == top) s.at_max += n.at(k, l, rep);
    }
  }
  s.at_max /= n.repetitions;
  s.mean /= static_cast<double>(levels.size()) * n.repetitions;
  return s;
}

template <class T, class Field>
h5::Column column(std::string name, const std::vector<const TaskRecord*>& records, Field field) {
  std::vector<T> values;
  values.reserve(records.size());
  for (const TaskRecord* r : records) values.push_back(field(*r));
  return {std::move(name), std::move(values)};
}

std::string axis_value(const StudyAxes& axes, const std::string& id, const std::string& key) {
  const auto task = axes.by_task.find(id);
  if (task == axes.by_task.end()) return "";
  for (const auto& [k, value] : task->second)
    if (k == key) return value;
  return "";
}

}  // namespace

std::vector<h5::Column> summary_columns(const std::vector<const TaskRecord*>& records,
                                        const StudyAxes& axes) {
  std::vector<h5::Column> head, metrics;
  head.push_back(column<std::string>("id", records, [](const TaskRecord& r) { return r.id; }));
  head.push_back(
      column<std::string>("stage", records, [](const TaskRecord& r) { return r.stage; }));
  head.push_back(column<std::string>(
      "status", records, [](const TaskRecord& r) { return std::string(to_string(r.status)); }));
  head.push_back(column<std::int64_t>("index", records,
                                      [](const TaskRecord& r) { return std::int64_t{r.index}; }));
  head.push_back(
      column<std::uint64_t>("seed", records, [](const TaskRecord& r) { return r.seed; }));

  metrics.push_back(column<double>("clean_accuracy", records, [](const TaskRecord& r) {
    return r.status == TaskStatus::Done ? r.clean_accuracy : kNaN;
  }));
  metrics.push_back(column<double>("train_seconds", records,
                                   [](const TaskRecord& r) { return r.train_seconds; }));
  metrics.push_back(
      column<double>("eval_seconds", records, [](const TaskRecord& r) { return r.eval_seconds; }));
  for (NoiseKind kind : kinds_present(records)) {
    metrics.push_back(
        column<double>(fmt::format("{}_at_max", to_string(kind)), records,
                       [&](const TaskRecord& r) { return summarise(r, kind).at_max; }));
    metrics.push_back(column<double>(fmt::format("{}_mean", to_string(kind)), records,
                                     [&](const TaskRecord& r) { return summarise(r, kind).mean; }));
  }

  std::set<std::string> taken;
  for (const h5::Column& c : head) taken.insert(c.name);
  for (const h5::Column& c : metrics) taken.insert(c.name);
  std::vector<h5::Column> columns = std::move(head);
  for (const std::string& key : axes.keys) {
    const std::string name = taken.count(key) ? "axis:" + key : key;
    columns.push_back(column<std::string>(
        name, records, [&](const TaskRecord& r) { return axis_value(axes, r.id, key); }));
  }
  for (h5::Column& c : metrics) columns.push_back(std::move(c));
  return columns;
}

}  // namespace ns
