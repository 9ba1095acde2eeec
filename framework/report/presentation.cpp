#include "report/presentation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ns::report {

namespace {

std::string levels_text(const std::vector<double>& levels) {
  std::vector<std::string> parts;
  for (double l : levels) parts.push_back(fmt::format("{:g}", l));
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

bool any_metric(const Report& report, bool (*wanted)(const Metric&)) {
  for (const StageTable& t : report.stages)
    if (std::any_of(t.metrics.begin(), t.metrics.end(), wanted)) return true;
  return false;
}

std::string levels_line(const Report& report) {
  std::vector<std::string> used;  // per stage, unless every stage uses the same levels
  bool same = true;
  for (const StageTable& t : report.stages) {
    used.push_back(fmt::format("{} {}", t.stage, levels_text(t.levels)));
    same = same && t.levels == report.stages.front().levels;
  }
  const std::string requested = levels_text(report.options.levels);
  if (report.stages.empty()) return fmt::format("noise levels: requested {}", requested);
  return fmt::format(
      "noise levels (variances): requested {}; used {} (the study's levels "
      "nearest in log space)",
      requested,
      same ? levels_text(report.stages.front().levels) : fmt::format("{}", fmt::join(used, "; ")));
}

}  // namespace

std::string format_cell(const Metric& metric, const Estimate& e) {
  if (e.n == 0) return "—";
  // A gain of -0.001 would print as "-0.00": a sign without a difference.
  const double shown = std::round(e.mean * 100) == 0 ? 0.0 : e.mean;
  const std::string mean =
      metric.is_gain() ? fmt::format("{:+.2f}", shown) : fmt::format("{:.2f}", shown);
  if (e.n == 1) return fmt::format("{} (n=1)", mean);
  const double spread = metric.is_gain() ? e.ci_high - e.mean : e.std;
  return fmt::format("{} ± {:.2f} (n={})", mean, spread, e.n);
}

std::string format_count(const GroupRow& row) {
  std::vector<std::string> extra;
  if (row.failed > 0) extra.push_back(fmt::format("failed: {}", row.failed));
  if (row.pending > 0) extra.push_back(fmt::format("pending: {}", row.pending));
  if (extra.empty()) return fmt::format("{}", row.done);
  return fmt::format("{} ({})", row.done, fmt::join(extra, ", "));
}

std::string display_value(const std::string& toml_text) {
  const std::size_t n = toml_text.size();
  if (n >= 2 && toml_text.front() == '"' && toml_text.back() == '"' &&
      toml_text.find_first_of("\"\\", 1) == n - 1)
    return toml_text.substr(1, n - 2);
  return toml_text;
}

TextTable text_table(const StageTable& table) {
  TextTable text;
  text.header = table.keys;
  text.key_columns = table.keys.size();
  text.header.push_back("n");
  for (const Metric& m : table.metrics) text.header.push_back(m.label());
  for (const GroupRow& row : table.rows) {
    std::vector<std::string> cells;
    for (const std::string& v : row.values) cells.push_back(display_value(v));
    cells.push_back(format_count(row));
    for (std::size_t m = 0; m < table.metrics.size(); ++m)
      cells.push_back(format_cell(table.metrics[m], row.cells[m]));
    text.rows.push_back(std::move(cells));
  }
  return text;
}

TextTable protection_table(const ProtectionMatrix& matrix) {
  TextTable text;
  text.header = {"stage", "group", "Δ clean"};
  text.key_columns = 2;
  for (std::size_t k = 0; k < matrix.kinds.size(); ++k)
    text.header.push_back(fmt::format("Δ {}@{:g}", matrix.kinds[k], matrix.strengths[k]));
  const Metric gain{MetricKind::GainAccuracy, "", 0};
  for (const ProtectionMatrix::Row& row : matrix.rows) {
    std::vector<std::string> values;
    for (const std::string& v : row.values) values.push_back(v);
    std::vector<std::string> cells{
        row.stage, values.empty() ? "—" : fmt::format("{}", fmt::join(values, ", "))};
    for (const Estimate& e : row.gains) cells.push_back(format_cell(gain, e));
    text.rows.push_back(std::move(cells));
  }
  return text;
}

std::string protection_note(const ProtectionMatrix& matrix) {
  std::vector<std::string> at;
  for (std::size_t k = 0; k < matrix.kinds.size(); ++k)
    at.push_back(fmt::format("{} {:g}{} ({:.1f}%)", matrix.kinds[k], matrix.strengths[k],
                             matrix.stated[k] ? " (--at)" : "", matrix.reference_at[k].mean));
  return fmt::format(
      "Each cell: the paired gain over the reference task (its parent, or --baseline), in "
      "percentage points, at one strength per nonideality; mean ± 95% interval over the pairs. "
      "Strengths, unless given with --at, are the harshest level at which the reference tasks "
      "keep at least half of what the kind's harshest level takes from them. Reference "
      "accuracy: clean {:.1f}%; {}.",
      matrix.reference_clean.empty() ? std::nan("") : matrix.reference_clean.front().mean,
      fmt::join(at, "; "));
}

std::string report_title(const Report& report) {
  return fmt::format("Ablation report: {}", report.study_name);
}

std::vector<std::string> summary_lines(const Report& report) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("archive: {} (study file {})", report.archive, report.study_file));
  std::string tasks = fmt::format("tasks: {} ({} done, {} failed, {} pending)", report.tasks,
                                  report.done, report.failed, report.pending);
  if (report.from_journal > 0)
    tasks += fmt::format("; {} of them only in the journal of a running or interrupted sweep",
                         report.from_journal);
  lines.push_back(tasks);
  for (const std::string& problem : report.journal_problems) lines.push_back("warning: " + problem);
  lines.push_back(levels_line(report));
  lines.push_back(
      report.options.group_by
          ? fmt::format("rows: one per stage and value of {}; all other settings averaged",
                        report.keys.empty() ? "nothing else"
                                            : fmt::format("{}", fmt::join(report.keys, ", ")))
          : "rows: one per stage and combination of swept settings; seed replicates averaged");
  lines.push_back(
      "cells: mean ± sample std over the group's done tasks, accuracy in %; n counts done "
      "tasks, and failed or pending ones are shown beside it but never averaged");
  if (any_metric(report, [](const Metric& m) {
        return m.what == MetricKind::Auc || m.what == MetricKind::GainAuc;
      }))
    lines.push_back(
        "AUC: area under accuracy vs log10(variance), over all the study's levels: the "
        "trapezoid integral divided by the log10 range, i.e. the mean accuracy in log space");
  if (any_metric(report, [](const Metric& m) { return m.is_gain(); })) {
    const std::string versus =
        report.options.baseline_stage.empty()
            ? "its parent task (the task it was fine-tuned from, same seed replicate)"
            : fmt::format(
                  "the task of stage {} with the same values on the settings {} sweeps "
                  "(same seed replicate)",
                  report.options.baseline_stage, report.options.baseline_stage);
    lines.push_back(fmt::format(
        "Δ: improvement in percentage points of each task over {}, at the highest level used "
        "and in AUC; mean ± half-width of the 95% Student-t confidence interval over the n "
        "pairs (t quantile at n-1 degrees of freedom); no interval for n=1",
        versus));
  }
  return lines;
}

std::string stage_note(const Report& report, const StageTable& table) {
  const std::string levels = fmt::format("Levels: {}.", levels_text(table.levels));
  if (std::none_of(table.metrics.begin(), table.metrics.end(),
                   [](const Metric& m) { return m.is_gain(); }))
    return levels;
  std::string versus;
  if (!table.compared_with.empty())
    versus = report.options.baseline_stage.empty()
                 ? fmt::format("Δ compares with the parent tasks in stage {}.", table.compared_with)
                 : fmt::format("Δ compares with stage {}.", table.compared_with);
  else if (table.stage == report.options.baseline_stage)
    versus = "This is the baseline stage: no Δ.";
  else
    versus = "No baseline task to compare with: no Δ.";
  return levels + " " + versus;
}

std::string failure_line(const FailedTask& failure) {
  std::string message = failure.message;
  std::replace(message.begin(), message.end(), '\n', ' ');
  return fmt::format("task {}{} {}: {}", failure.index,
                     failure.where.empty() ? "" : " (" + failure.where + ")", failure.status,
                     message.empty() ? "(no message)" : message);
}

}  // namespace ns::report
