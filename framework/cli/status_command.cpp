// `noisesweep status ARCHIVE.h5`: done, failed and pending tasks per stage, including what a
// running (or interrupted) sweep has journaled but not yet written to the archive. As a table
// for people, or with --json as one JSON object for scripts (schema noisesweep-status/1).
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "archive/archive.hpp"
#include "archive/journal.hpp"
#include "cli/commands.hpp"
#include "cli/json_output.hpp"
#include "cli/terminal.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/wrap.hpp"
#include "study/shard.hpp"
#include "study/study.hpp"

namespace ns::cli {

namespace {

struct StageCounts {
  int done = 0, failed = 0, pending = 0;
};

struct FailedTask {
  int index = 0;
  std::string stage, id;
  TaskStatus status = TaskStatus::Failed;  // failed or diverged
  std::string message;
};

// What `status` reports, computed once and then printed as text or as JSON.
struct StatusReport {
  std::string archive;
  Study study;
  Shard shard;
  int in_shard = 0;                 // the study's tasks that belong to the archive's shard
  int from_journal = 0;             // records read from the journal of a running or stopped sweep
  std::vector<StageCounts> stages;  // in study.stages order
  StageCounts total;
  std::vector<FailedTask> failed;             // in index order
  std::vector<std::string> journal_problems;  // damaged or unreadable journal (warnings)
  BuildCounts builds;                         // finished tasks per numeric build
};

StatusReport read_status(const std::string& path) {
  const std::string journal = journal_path(path);
  const bool has_archive = std::filesystem::exists(path);
  if (!has_archive && !std::filesystem::exists(journal))
    throw Error(fmt::format("{}: no such archive (nor a journal {})", path, journal));

  // The study comes from the archive itself, or, before the first archive is written, from
  // the journal's study hash: then the study file must be given.
  if (!has_archive)
    throw Error(
        fmt::format("{}: the sweep has not written its archive yet; its journal {} "
                    "holds the finished tasks so far",
                    path, journal));
  // The archive with what its journal holds beyond it (a running or interrupted sweep's).
  const ArchiveSnapshot snapshot = read_archive_and_journal(path);
  const ArchiveContents& archive = snapshot.contents;
  StatusReport report;
  report.archive = path;
  report.study = parse_study_text(archive.info.study_text, archive.info.study_file);
  const Study& study = report.study;
  report.from_journal = snapshot.from_journal;
  report.journal_problems = snapshot.journal_problems;
  std::map<int, const TaskRecord*> by_index;
  for (const TaskRecord& r : archive.records) by_index[r.index] = &r;
  for (const TaskRecord& r : archive.records) count_build(report.builds, r);

  // A shard's archive is complete when its own tasks are: the other shards' are not pending.
  report.shard = archive.info.shard.empty() ? Shard{} : parse_shard(archive.info.shard);
  std::map<std::string, StageCounts> counts;
  for (const Task& t : study.tasks) {
    if (!report.shard.contains(study, t.index)) continue;
    ++report.in_shard;
    StageCounts& c = counts[t.stage];
    StageCounts& total = report.total;
    const auto it = by_index.find(t.index);
    if (it == by_index.end())
      ++c.pending, ++total.pending;
    else if (it->second->status == TaskStatus::Done)
      ++c.done, ++total.done;
    else
      ++c.failed, ++total.failed;
  }
  for (const std::string& stage : study.stages) report.stages.push_back(counts[stage]);
  for (const auto& [index, r] : by_index)
    if (r->status != TaskStatus::Done)
      report.failed.push_back({index, r->stage, r->id, r->status, r->message});
  return report;
}

// On a terminal, long lines (a build's description, failure messages) wrap to its width.
void print_text(const StatusReport& report) {
  std::string out;
  const Study& study = report.study;
  fmt::format_to(std::back_inserter(out), "archive {}: study {} ({}), {} tasks\n", report.archive,
                 study.name, study.file, study.tasks.size());
  if (!report.shard.whole())
    fmt::format_to(std::back_inserter(out),
                   "shard {}: {} of the study's tasks (merge the shards' archives for the rest)\n",
                   report.shard.str(), report.in_shard);
  if (report.from_journal > 0)
    fmt::format_to(std::back_inserter(out),
                   "includes {} task(s) from the journal of a running or interrupted sweep\n",
                   report.from_journal);
  for (const std::string& problem : report.journal_problems)
    fmt::format_to(std::back_inserter(out), "warning: {}\n", problem);
  // Results of different builds can differ in the last bits (README, "Bitwise
  // reproducibility"): say which computed what.
  const std::string mine = numeric_build();
  for (const auto& [build, count] : report.builds)
    fmt::format_to(std::back_inserter(out), "computed by: {} finished task(s): {}{}\n", count,
                   build.empty() ? "a release that did not record its build (before 0.2)" : build,
                   build == mine ? " (this program)" : "");
  fmt::format_to(std::back_inserter(out), "\n{:<24} {:>8} {:>8} {:>8}\n", "stage", "done", "failed",
                 "pending");
  for (std::size_t s = 0; s < study.stages.size(); ++s) {
    const StageCounts& c = report.stages[s];
    fmt::format_to(std::back_inserter(out), "{:<24} {:>8} {:>8} {:>8}\n", study.stages[s], c.done,
                   c.failed, c.pending);
  }
  const StageCounts& total = report.total;
  fmt::format_to(std::back_inserter(out), "{:<24} {:>8} {:>8} {:>8}\n", "total", total.done,
                 total.failed, total.pending);
  if (!report.failed.empty()) {
    fmt::format_to(std::back_inserter(out), "\nfailed tasks:\n");
    for (const FailedTask& f : report.failed)
      fmt::format_to(std::back_inserter(out), "  [{}] {} {}: {}: {}\n", f.index, f.stage,
                     f.id.substr(0, 8), to_string(f.status), f.message);
  }
  const std::size_t width = terminal_width();
  fmt::print("{}", width > 0 ? wrap(out, width) : out);
}

// The layout README.md documents under "Output for scripts"; change both together.
Json to_json(const StatusReport& report) {
  const Study& study = report.study;
  const auto counts = [](const StageCounts& c) {
    return Json{{"done", c.done}, {"failed", c.failed}, {"pending", c.pending}};
  };
  Json stages = Json::array();
  for (std::size_t s = 0; s < study.stages.size(); ++s) {
    Json stage = {{"name", study.stages[s]}};
    stage.update(counts(report.stages[s]));
    stages.push_back(std::move(stage));
  }
  Json failed = Json::array();
  for (const FailedTask& f : report.failed)
    failed.push_back({{"index", f.index},
                      {"stage", f.stage},
                      {"id", f.id},
                      {"status", to_string(f.status)},
                      {"message", f.message}});
  Json builds = Json::array();
  for (const auto& [build, count] : report.builds)
    builds.push_back({{"build", build}, {"done", count}});
  return {
      {"schema", "noisesweep-status/1"},
      {"archive", report.archive},
      {"study", {{"name", study.name}, {"file", study.file}, {"hash", study.hash}}},
      {"shard", {{"index", report.shard.index}, {"count", report.shard.count}}},
      {"tasks", study.tasks.size()},
      {"tasks_in_shard", report.in_shard},
      {"tasks_from_journal", report.from_journal},
      {"stages", std::move(stages)},
      {"total", counts(report.total)},
      {"failed", std::move(failed)},
      {"builds", std::move(builds)},
      {"journal_problems", report.journal_problems},
  };
}

}  // namespace

Command add_status_command(CLI::App& app) {
  struct Options {
    std::string archive;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Done, failed and pending tasks per stage of an archive, with the failures' messages.\n"
      "Safe to run while the sweep is writing it. Exit code 1 if any task failed.");
  cmd->add_option("archive", o->archive, "Archive (HDF5)")->required();
  cmd->add_flag("--json", o->json,
                "Print one JSON object instead of the table, for scripts, with the\n"
                "same exit codes. Schema \"noisesweep-status/1\": archive, study\n"
                "{name, file, hash}, shard {index, count}, tasks, tasks_in_shard,\n"
                "tasks_from_journal, stages [{name, done, failed, pending}], total\n"
                "{done, failed, pending}, failed [{index, stage, id, status,\n"
                "message}], builds [{build, done}], journal_problems [text]. README.md, \"Output "
                "for scripts\", says more. On an\n"
                "error: nothing on stdout.");
  return {cmd, [o] {
            const StatusReport report = read_status(o->archive);
            if (o->json)
              print_json(to_json(report));
            else
              print_text(report);
            return report.total.failed > 0 ? 1 : 0;
          }};
}

}  // namespace ns::cli
