// `noisesweep status ARCHIVE.h5`: done, failed and pending tasks per stage, including what a
// running (or interrupted) sweep has journaled but not yet written to the archive.
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "archive/archive.hpp"
#include "archive/journal.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "study/shard.hpp"
#include "study/study.hpp"

namespace ns::cli {

namespace {

struct StageCounts {
  int done = 0, failed = 0, pending = 0;
};

int status(const std::string& path) {
  const std::string journal = path + ".journal";
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
  const ArchiveContents archive = read_archive(path);
  const Study study = parse_study_text(archive.info.study_text, archive.info.study_file);
  std::vector<TaskRecord> records = archive.records;
  int from_journal = 0;
  if (std::filesystem::exists(journal)) {
    std::vector<TaskRecord> more = read_journal(journal, study.hash);
    from_journal = int(more.size());
    records.insert(records.end(), more.begin(), more.end());
  }
  std::map<int, const TaskRecord*> by_index;
  const std::vector<TaskRecord> unique = keep_one_per_task(std::move(records));
  for (const TaskRecord& r : unique) by_index[r.index] = &r;

  // A shard's archive is complete when its own tasks are: the other shards' are not pending.
  const Shard shard = archive.info.shard.empty() ? Shard{} : parse_shard(archive.info.shard);
  int in_shard = 0;
  std::map<std::string, StageCounts> counts;
  StageCounts total;
  for (const Task& t : study.tasks) {
    if (!shard.contains(study, t.index)) continue;
    ++in_shard;
    StageCounts& c = counts[t.stage];
    const auto it = by_index.find(t.index);
    if (it == by_index.end())
      ++c.pending, ++total.pending;
    else if (it->second->status == TaskStatus::Done)
      ++c.done, ++total.done;
    else
      ++c.failed, ++total.failed;
  }
  fmt::print("archive {}: study {} ({}), {} tasks\n", path, study.name, study.file,
             study.tasks.size());
  if (!shard.whole())
    fmt::print("shard {}: {} of the study's tasks (merge the shards' archives for the rest)\n",
               shard.str(), in_shard);
  if (from_journal > 0)
    fmt::print("includes {} task(s) from the journal of a running or interrupted sweep\n",
               from_journal);
  fmt::print("\n{:<24} {:>8} {:>8} {:>8}\n", "stage", "done", "failed", "pending");
  for (const std::string& stage : study.stages) {
    const StageCounts& c = counts[stage];
    fmt::print("{:<24} {:>8} {:>8} {:>8}\n", stage, c.done, c.failed, c.pending);
  }
  fmt::print("{:<24} {:>8} {:>8} {:>8}\n", "total", total.done, total.failed, total.pending);
  if (total.failed > 0) {
    fmt::print("\nfailed tasks:\n");
    for (const auto& [index, r] : by_index)
      if (r->status != TaskStatus::Done)
        fmt::print("  [{}] {} {}: {}: {}\n", index, r->stage, r->id.substr(0, 8),
                   to_string(r->status), r->message);
  }
  return total.failed > 0 ? 1 : 0;
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Done, failed and pending tasks per stage of an archive, with the failures' messages.\n"
      "Safe to run while the sweep is writing it. Exit code 1 if any task failed.");
  cmd->add_option("archive", *path, "Archive (HDF5)")->required();
  return {cmd, [path] { return status(*path); }};
}

}  // namespace ns::cli
