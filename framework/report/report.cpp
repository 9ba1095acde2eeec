#include "report/report.hpp"

#include "nonideality/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "core/error.hpp"
#include "report/grouping.hpp"
#include "report/metrics.hpp"
#include "report/presentation.hpp"

namespace ns::report {

namespace {

using RecordsByIndex = std::map<int, const TaskRecord*>;

std::string level_text(double level) {
  return fmt::format("{:g}", level);
}

std::string levels_text(const std::vector<double>& levels) {
  std::vector<std::string> parts;
  for (double l : levels) parts.push_back(level_text(l));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One record per study task, each matched to the task it claims to be: an archive written by
// another version of the study would otherwise be reported under the wrong settings.
RecordsByIndex index_records(const Study& study, const std::vector<TaskRecord>& records) {
  RecordsByIndex by_index;
  for (const TaskRecord& r : records) {
    if (r.index < 0 || r.index >= int(study.tasks.size()) || study.tasks[r.index].id != r.id)
      throw Error(
          fmt::format("the record of task {} (index {}, stage '{}') is not a task of "
                      "study '{}' as its study text expands",
                      r.id, r.index, r.stage, study.name));
    if (!by_index.emplace(r.index, &r).second)
      throw Error(fmt::format("two records of task {} (index {})", r.id, r.index));
  }
  return by_index;
}

const TaskRecord* done_record(const RecordsByIndex& records, int index) {
  const auto it = records.find(index);
  return it != records.end() && it->second->status == TaskStatus::Done ? it->second : nullptr;
}

std::vector<std::string> kind_names(const NoiseCurves& curves) {
  std::vector<std::string> names;
  for (NoiseKind k : curves.kinds) names.push_back(to_string(k));
  return names;
}

bool same_levels(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (find_level({a[i]}, b[i]) != 0) return false;
  return true;
}

// The noise kinds and levels of a stage's done tasks. One set per stage keeps each table's
// columns meaningful for every row.
struct StageEvaluation {
  std::vector<std::string> kinds;
  std::vector<std::vector<double>> levels;  // per kind
};

bool same_levels(const std::vector<std::vector<double>>& a,
                 const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!same_levels(a[k], b[k])) return false;
  return true;
}

std::string levels_text(const std::vector<std::vector<double>>& levels) {
  std::vector<std::string> parts;
  for (const auto& l : levels) parts.push_back(levels_text(l));
  return fmt::format("{}", fmt::join(parts, " / "));
}

// The levels a table shows for one kind: for variances, the ones nearest the requested levels;
// for every other unit (bits, times, fractions), the kind's strongest level.
std::vector<double> shown_levels(const std::string& kind, const std::vector<double>& levels,
                                 const ReportOptions& options) {
  const NoiseKind k = find_nonideality(kind);
  if (levels.empty() || !k || k->levels.unit == std::string_view("variance"))
    return select_levels(levels, options.levels);
  return {k->levels.harsher_when_lower ? *std::min_element(levels.begin(), levels.end())
                                       : *std::max_element(levels.begin(), levels.end())};
}

StageEvaluation stage_evaluation(const Study& study, const std::string& stage,
                                 const RecordsByIndex& records) {
  StageEvaluation eval;
  const TaskRecord* first = nullptr;
  for (const Task& t : study.tasks) {
    const TaskRecord* r = t.stage == stage ? done_record(records, t.index) : nullptr;
    if (!r) continue;
    if (!first) {
      first = r;
      eval = {kind_names(r->noise), r->noise.levels};
    } else if (kind_names(r->noise) != eval.kinds || !same_levels(r->noise.levels, eval.levels)) {
      throw Error(fmt::format(
          "stage '{}': task {} was evaluated under {} at levels {}, but task {} under {} at "
          "levels {}; a report table needs one set of noise kinds and levels per stage",
          stage, first->index, fmt::join(eval.kinds, ", "), levels_text(eval.levels), r->index,
          fmt::join(kind_names(r->noise), ", "), levels_text(r->noise.levels)));
    }
  }
  return eval;
}

std::vector<Metric> stage_metrics(const ReportOptions& options, const StageEvaluation& eval) {
  std::vector<std::vector<double>> selected;
  for (std::size_t k = 0; k < eval.kinds.size(); ++k)
    selected.push_back(shown_levels(eval.kinds[k], eval.levels[k], options));
  std::vector<Metric> metrics;
  if (options.clean) metrics.push_back({MetricKind::Clean, "", 0});
  if (options.noise)
    for (std::size_t k = 0; k < eval.kinds.size(); ++k)
      for (double level : selected[k])
        metrics.push_back({MetricKind::Accuracy, eval.kinds[k], level});
  if (options.auc)
    for (const std::string& kind : eval.kinds) metrics.push_back({MetricKind::Auc, kind, 0});
  if (options.improvement) {
    // The strongest level is where the regularisers differ most; the AUC sums up all levels.
    for (std::size_t k = 0; k < eval.kinds.size(); ++k)
      if (!selected[k].empty()) {
        const NoiseKind kind = find_nonideality(eval.kinds[k]);
        const bool lower = kind && kind->levels.harsher_when_lower;
        metrics.push_back({MetricKind::GainAccuracy, eval.kinds[k],
                           lower ? selected[k].front() : selected[k].back()});
      }
    for (const std::string& kind : eval.kinds) metrics.push_back({MetricKind::GainAuc, kind, 0});
  }
  return metrics;
}

// A done task's value of a non-gain metric, in %.
double measure(const Metric& m, const TaskRecord& r) {
  if (m.what == MetricKind::Clean) return 100 * r.clean_accuracy;
  const std::vector<std::string> kinds = kind_names(r.noise);
  const auto k = std::find(kinds.begin(), kinds.end(), m.kind) - kinds.begin();
  if (k == std::ptrdiff_t(kinds.size()))
    throw Error(
        fmt::format("task {} (stage '{}') was not evaluated under noise kind {}; it "
                    "has {}",
                    r.index, r.stage, m.kind, fmt::join(kinds, ", ")));
  if (m.what == MetricKind::Auc || m.what == MetricKind::GainAuc)
    return 100 * noise_auc(r.noise, int(k));
  const std::optional<int> l = find_level(r.noise.levels.at(k), m.level);
  if (!l)
    throw Error(fmt::format(
        "task {} (stage '{}') was not evaluated at {} level {}; its "
        "levels are {}",
        r.index, r.stage, m.kind, level_text(m.level), levels_text(r.noise.levels.at(k))));
  return 100 * r.noise.mean(int(k), *l);
}

// Task minus reference, in percentage points; an error names both tasks, since the reference's
// evaluation is usually the one that differs.
double gain(const Metric& m, const TaskRecord& task, const TaskRecord& reference) {
  try {
    return measure(m, task) - measure(m, reference);
  } catch (const Error& e) {
    throw Error(
        fmt::format("cannot compare task {} (stage '{}') with task {} (stage '{}') for "
                    "{}: {}",
                    task.index, task.stage, reference.index, reference.stage, m.label(), e.what()));
  }
}

std::string where(const Task& task) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : task.axes) parts.push_back(fmt::format("{} = {}", key, value));
  return fmt::format("{}", fmt::join(parts, ", "));
}

GroupRow make_row(const Group& group, const std::vector<Metric>& metrics,
                  const RecordsByIndex& records, const std::vector<std::optional<int>>& reference) {
  GroupRow row;
  row.values = group.values;
  row.tasks = group.tasks;
  std::vector<std::vector<double>> samples(metrics.size());
  for (int index : group.tasks) {
    const auto it = records.find(index);
    if (it == records.end()) {
      ++row.pending;
      continue;
    }
    if (it->second->status != TaskStatus::Done) {
      ++row.failed;
      continue;
    }
    ++row.done;
    const TaskRecord& r = *it->second;
    // A pair counts only when both ends finished: a failed baseline leaves no difference.
    const TaskRecord* ref = reference[index] ? done_record(records, *reference[index]) : nullptr;
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      if (!metrics[m].is_gain())
        samples[m].push_back(measure(metrics[m], r));
      else if (ref)
        samples[m].push_back(gain(metrics[m], r, *ref));
    }
  }
  for (const std::vector<double>& s : samples) row.cells.push_back(estimate(s));
  return row;
}

StageTable make_table(const Study& study, const std::string& stage,
                      const std::vector<std::string>& keys, const RecordsByIndex& records,
                      const std::vector<std::optional<int>>& reference,
                      const ReportOptions& options) {
  StageTable table;
  table.stage = stage;
  table.keys = keys;
  const StageEvaluation eval = stage_evaluation(study, stage, records);
  table.kinds = eval.kinds;
  for (std::size_t k = 0; k < eval.kinds.size() && table.levels.empty(); ++k)
    if (const NoiseKind kind = find_nonideality(eval.kinds[k]);
        kind && kind->levels.unit == std::string_view("variance"))
      table.levels = select_levels(eval.levels[k], options.levels);
  table.metrics = stage_metrics(options, eval);
  for (const Task& t : study.tasks)
    if (t.stage == stage && reference[t.index]) {
      table.compared_with = study.tasks[*reference[t.index]].stage;
      break;
    }
  for (const Group& g : group_tasks(study, stage, keys))
    table.rows.push_back(make_row(g, table.metrics, records, reference));
  for (const auto& [index, r] : records)
    if (r->stage == stage && r->status != TaskStatus::Done)
      table.failures.push_back(
          {index, r->id, where(study.tasks[index]), to_string(r->status), r->message});
  return table;
}

// The mean accuracy (%) of `tasks` under kind k at each of the kind's levels, and clean.
struct ReferenceCurve {
  std::vector<double> levels;
  std::vector<std::vector<double>> at;  // per level, one accuracy per task
  std::vector<double> clean;
};

ReferenceCurve reference_curve(const std::string& kind,
                               const std::vector<const TaskRecord*>& refs) {
  ReferenceCurve c;
  for (const TaskRecord* r : refs) {
    const auto k = std::find(r->noise.kinds.begin(), r->noise.kinds.end(), find_nonideality(kind)) -
                   r->noise.kinds.begin();
    if (k == std::ptrdiff_t(r->noise.kinds.size())) continue;
    if (c.levels.empty()) {
      c.levels = r->noise.levels[k];
      c.at.resize(c.levels.size());
    }
    if (r->noise.levels[k] != c.levels) continue;  // stage_evaluation reports such mixtures
    for (std::size_t l = 0; l < c.levels.size(); ++l)
      c.at[l].push_back(100 * r->noise.mean(int(k), int(l)));
    c.clean.push_back(100 * r->clean_accuracy);
  }
  return c;
}

double mean_of(const std::vector<double>& v) {
  return estimate(v).mean;
}

// The harshest level at which the reference keeps at least half of what the harshest level
// takes: where a protection shows before every model breaks down.
double chosen_strength(NoiseKind kind, const ReferenceCurve& c) {
  std::vector<std::size_t> order(c.levels.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return kind->levels.harsher_when_lower ? c.levels[a] > c.levels[b] : c.levels[a] < c.levels[b];
  });  // mildest first
  const double clean = mean_of(c.clean), worst = mean_of(c.at[order.back()]);
  const double half = clean - (clean - worst) / 2;
  double chosen = c.levels[order.front()];
  for (std::size_t l : order)
    if (mean_of(c.at[l]) >= half) chosen = c.levels[l];
  return chosen;
}

// Whether `key` takes different values among the tasks of one variant label of `stage`: a
// grid axis crossed with the variants, not one of the variants' own settings.
bool varies_within_label(const Study& study, const std::string& stage, const std::string& key) {
  if (key == "label") return false;
  std::map<std::string, std::string> first;  // label -> value
  for (const Task& t : study.tasks) {
    if (t.stage != stage) continue;
    const auto it = std::find_if(t.axes.begin(), t.axes.end(),
                                 [&](const auto& axis) { return axis.first == key; });
    const std::string value = it == t.axes.end() ? "" : it->second;
    const auto [seen, fresh] = first.emplace(t.label, value);
    if (!fresh && seen->second != value) return true;
  }
  return false;
}

std::optional<ProtectionMatrix> protection_matrix(const Study& study, const Report& report,
                                                  const RecordsByIndex& records,
                                                  const std::vector<std::optional<int>>& reference,
                                                  const ReportOptions& options) {
  std::vector<const TaskRecord*> refs;  // every done reference task of a done task
  std::set<int> seen;
  for (const Task& t : study.tasks)
    if (reference[t.index] && done_record(records, t.index))
      if (const TaskRecord* r = done_record(records, *reference[t.index]);
          r && seen.insert(r->index).second)
        refs.push_back(r);
  if (refs.empty()) return std::nullopt;
  ProtectionMatrix m;
  for (NoiseKind kind : all_nonidealities())  // registry order, for every kind a table has
    for (const StageTable& table : report.stages)
      if (!table.compared_with.empty() &&
          std::find(table.kinds.begin(), table.kinds.end(), kind->name) != table.kinds.end()) {
        m.kinds.emplace_back(kind->name);
        break;
      }
  if (m.kinds.empty()) return std::nullopt;
  // Clean accuracy first (turned into its paired difference below), then each kind's gain.
  std::vector<Metric> columns{{MetricKind::Clean, "", 0}};
  for (const std::string& name : m.kinds) {
    const NoiseKind kind = find_nonideality(name);
    const ReferenceCurve c = reference_curve(name, refs);
    if (c.levels.empty())
      throw Error(fmt::format("protection matrix: no reference task was evaluated under {}", name));
    const auto given = std::find_if(options.protection_at.begin(), options.protection_at.end(),
                                    [&](const auto& at) { return at.first == name; });
    double strength;
    if (given != options.protection_at.end()) {
      const std::vector<double> nearest = select_levels(c.levels, {given->second});
      strength = nearest.front();
    } else {
      strength = chosen_strength(kind, c);
    }
    m.strengths.push_back(strength);
    m.stated.push_back(given != options.protection_at.end());
    const auto l = find_level(c.levels, strength);
    m.reference_at.push_back(estimate(c.at[*l]));
    if (m.reference_clean.empty()) m.reference_clean.push_back(estimate(c.clean));
    columns.push_back({MetricKind::GainAccuracy, name, strength});
  }
  for (const auto& [kind, _] : options.protection_at)
    if (std::find(m.kinds.begin(), m.kinds.end(), kind) == m.kinds.end())
      throw Error(fmt::format("--at {}: the study's compared stages were not evaluated under {}",
                              kind, kind));
  for (const StageTable& table : report.stages) {
    if (table.compared_with.empty()) continue;
    for (const Group& g : group_tasks(study, table.stage, table.keys)) {
      ProtectionMatrix::Row row{table.stage, {}, {}};
      // A variant's label names the method (its settings follow from it); the grid's values,
      // which vary within a label, tell its groups apart.
      const auto label = std::find(table.keys.begin(), table.keys.end(), "label");
      if (label != table.keys.end())
        row.values.push_back(display_value(g.values[label - table.keys.begin()]));
      for (std::size_t i = 0; i < table.keys.size(); ++i)
        if (label == table.keys.end() || varies_within_label(study, table.stage, table.keys[i]))
          row.values.push_back(fmt::format("{} = {}", table.keys[i], g.values[i]));
      GroupRow values = make_row(g, columns, records, reference);
      // make_row gives the clean accuracy itself: turn it into the paired difference.
      std::vector<double> clean_gains;
      for (int index : g.tasks)
        if (const TaskRecord* r = done_record(records, index); r && reference[index])
          if (const TaskRecord* ref = done_record(records, *reference[index]))
            clean_gains.push_back(100 * (r->clean_accuracy - ref->clean_accuracy));
      values.cells.front() = estimate(clean_gains);
      row.gains = values.cells;
      m.rows.push_back(std::move(row));
    }
  }
  return m;
}

}  // namespace

std::string Metric::label() const {
  switch (what) {
    case MetricKind::Clean:
      return "clean";
    case MetricKind::Accuracy:
      return fmt::format("{}@{}", kind, level_text(level));
    case MetricKind::Auc:
      return fmt::format("AUC {}", kind);
    case MetricKind::GainAccuracy:
      return fmt::format("Δ {}@{}", kind, level_text(level));
    case MetricKind::GainAuc:
      return fmt::format("Δ AUC {}", kind);
  }
  return "";
}

std::string Metric::csv_name() const {
  switch (what) {
    case MetricKind::Clean:
      return "clean";
    case MetricKind::Accuracy:
      return fmt::format("{}@{}", kind, level_text(level));
    case MetricKind::Auc:
      return fmt::format("auc_{}", kind);
    case MetricKind::GainAccuracy:
      return fmt::format("gain_{}@{}", kind, level_text(level));
    case MetricKind::GainAuc:
      return fmt::format("gain_auc_{}", kind);
  }
  return "";
}

Report build_report(const Study& study, const std::vector<TaskRecord>& records,
                    const ReportOptions& options) {
  Report report;
  report.study_name = study.name;
  report.study_file = study.file;
  report.options = options;
  if (options.group_by) report.options.group_by = checked_group_keys(study, *options.group_by);
  for (double level : options.levels)
    if (!(level > 0)) throw Error(fmt::format("noise level {} is not a variance > 0", level));

  const RecordsByIndex by_index = index_records(study, records);
  report.tasks = int(study.tasks.size());
  for (const Task& t : study.tasks) {
    const auto it = by_index.find(t.index);
    if (it == by_index.end())
      ++report.pending;
    else if (it->second->status == TaskStatus::Done)
      ++report.done;
    else
      ++report.failed;
  }

  const std::vector<std::optional<int>> reference = reference_tasks(study, options.baseline_stage);
  for (const std::string& stage : study.stages) {
    const std::vector<std::string> keys =
        report.options.group_by ? *report.options.group_by : swept_keys_except_seed(study, stage);
    report.stages.push_back(make_table(study, stage, keys, by_index, reference, report.options));
  }

  report.protection = protection_matrix(study, report, by_index, reference, report.options);
  if (report.options.group_by) {
    report.keys = *report.options.group_by;
  } else {
    for (const std::string& key : study.axis_keys)
      for (const StageTable& table : report.stages)
        if (std::find(table.keys.begin(), table.keys.end(), key) != table.keys.end()) {
          report.keys.push_back(key);
          break;
        }
  }
  return report;
}

}  // namespace ns::report
