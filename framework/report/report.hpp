#pragma once
// An ablation report: per stage, one row per group of tasks (every swept setting but the
// seed), with mean, std and n over the group's done tasks of clean accuracy, accuracy under
// each noise kind at chosen levels, the area under each accuracy-vs-log10(variance) curve, and
// the paired improvement over a baseline with its 95% confidence interval. The writers
// (markdown.hpp, csv.hpp, html.hpp) only lay out what build_report computes.
#include <optional>
#include <string>
#include <vector>

#include "record/task_record.hpp"
#include "report/statistics.hpp"
#include "study/study.hpp"

namespace ns::report {

struct ReportOptions {
  // Column families (--columns): improvement adds the paired difference at the highest
  // selected level and of the AUC, for each noise kind.
  bool clean = true, noise = true, auc = true, improvement = true;
  std::vector<double> levels = {0.01, 0.1, 1.0};  // target variances (nearest in log space)
  // Grouping keys besides the stage; nullopt: each stage's swept keys except the seed.
  std::optional<std::vector<std::string>> group_by;
  std::string baseline_stage;  // "": compare each task with its parent task
  // The protection matrix's strength per kind (--at KIND=LEVEL); a kind left out gets the
  // harshest level at which the reference tasks keep at least half of what the kind's
  // harshest level takes from them.
  std::vector<std::pair<std::string, double>> protection_at;
};

enum class MetricKind {
  Clean,         // clean accuracy, %
  Accuracy,      // accuracy under one noise kind at one level, %
  Auc,           // curve_auc of one noise kind, %
  GainAccuracy,  // task minus its reference at one level, percentage points
  GainAuc,       // task minus its reference in AUC, percentage points
};

struct Metric {
  MetricKind what = MetricKind::Clean;
  std::string kind;  // noise kind name, e.g. "AddUnc" ("" for Clean)
  double level = 0;  // Accuracy and GainAccuracy
  bool is_gain() const { return what == MetricKind::GainAccuracy || what == MetricKind::GainAuc; }
  std::string label() const;     // table header, e.g. "AddUnc@0.1", "AUC AddUnc", "Δ AddUnc@1"
  std::string csv_name() const;  // CSV column prefix, e.g. "AddUnc@0.1", "auc_AddUnc",
                                 // "gain_AddUnc@1", "gain_auc_AddUnc"
};

struct FailedTask {
  int index = 0;
  std::string id;
  std::string where;   // its swept values, e.g. "seed = 1, reg.lambda = 0.01"
  std::string status;  // "failed" or "diverged"
  std::string message;
};

struct GroupRow {
  std::vector<std::string> values;  // on StageTable::keys, as TOML text
  std::vector<int> tasks;           // study task indices
  int done = 0, failed = 0, pending = 0;
  std::vector<Estimate> cells;  // one per StageTable::metrics; n = 0 where there is nothing
};

struct StageTable {
  std::string stage;
  std::vector<std::string> keys;   // grouping keys
  std::vector<std::string> kinds;  // noise kinds its done tasks were evaluated under
  std::vector<double> levels;      // the selected levels, ascending
  std::string compared_with;       // stage of the reference tasks; "" when none
  std::vector<Metric> metrics;
  std::vector<GroupRow> rows;        // in the order of their first task
  std::vector<FailedTask> failures;  // in task index order
};

// Which training method protects against which nonideality: one row per group of every stage
// that has reference tasks (its parents, or --baseline), one column per noise kind, each cell
// the paired gain over the reference at the kind's stated strength (percentage points, mean
// and 95% interval over the pairs). The first column is the gain in clean accuracy: what the
// protection costs.
struct ProtectionMatrix {
  std::vector<std::string> kinds;
  std::vector<double> strengths;          // per kind
  std::vector<bool> stated;               // per kind: given with --at, not chosen by the rule
  std::vector<Estimate> reference_clean;  // the reference tasks' clean accuracy, %
  std::vector<Estimate> reference_at;     // per kind: the reference tasks' accuracy there, %
  struct Row {
    std::string stage;
    std::vector<std::string> values;  // its label, or "key = value" per grouping key
    std::vector<Estimate> gains;      // Δ clean, then one per kind
  };
  std::vector<Row> rows;
};

struct Report {
  std::string study_name, study_file, archive;
  int tasks = 0, done = 0, failed = 0, pending = 0;
  int from_journal = 0;  // tasks found only in the journal of a running or interrupted sweep
  std::vector<std::string> journal_problems;  // ArchiveSnapshot::journal_problems
  ReportOptions options;
  std::vector<std::string> keys;   // all grouping keys: the --group-by ones, or the swept ones
  std::vector<StageTable> stages;  // in the study's stage order
  std::optional<ProtectionMatrix> protection;  // when a stage has references and noise kinds
};

// `records` are the study's finished tasks (at most one per task; any order). Throws Error if
// a record is not a task of the study, if the done tasks of a stage were evaluated on
// different noise kinds or levels, or if a reference task lacks the kind or level its
// comparison needs. Deterministic: the same inputs give the same report.
Report build_report(const Study& study, const std::vector<TaskRecord>& records,
                    const ReportOptions& options);

// What a report reads from an archive: the study rebuilt from its text, and every finished
// task, including those only in the journal (ARCHIVE.journal) of a running or interrupted
// sweep (as `noisesweep status` does).
struct ReportInput {
  Study study;
  std::vector<TaskRecord> records;
  int from_journal = 0;
  std::vector<std::string> journal_problems;
};
ReportInput read_report_input(const std::string& archive);

// read_report_input + build_report, with the archive's path in the report.
Report report_archive(const std::string& archive, const ReportOptions& options);

}  // namespace ns::report
