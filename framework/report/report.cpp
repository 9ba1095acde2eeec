#include "report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "report/grouping.hpp"
#include "report/metrics.hpp"

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
  std::vector<double> levels;
};

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

std::vector<Metric> stage_metrics(const ReportOptions& options, const StageEvaluation& eval,
                                  const std::vector<double>& selected) {
  std::vector<Metric> metrics;
  if (options.clean) metrics.push_back({MetricKind::Clean, "", 0});
  if (options.noise)
    for (const std::string& kind : eval.kinds)
      for (double level : selected) metrics.push_back({MetricKind::Accuracy, kind, level});
  if (options.auc)
    for (const std::string& kind : eval.kinds) metrics.push_back({MetricKind::Auc, kind, 0});
  if (options.improvement) {
    // The highest level is where the regularisers differ most; the AUC sums up all levels.
    if (!selected.empty())
      for (const std::string& kind : eval.kinds)
        metrics.push_back({MetricKind::GainAccuracy, kind, selected.back()});
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
  const std::optional<int> l = find_level(r.noise.levels, m.level);
  if (!l)
    throw Error(
        fmt::format("task {} (stage '{}') was not evaluated at noise level {}; its "
                    "levels are {}",
                    r.index, r.stage, level_text(m.level), levels_text(r.noise.levels)));
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
  table.levels = select_levels(eval.levels, options.levels);
  table.metrics = stage_metrics(options, eval, table.levels);
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
