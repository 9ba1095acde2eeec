#include "sweep/reuse.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "archive/archive.hpp"
#include "core/error.hpp"
#include "sweep/result_store.hpp"

namespace ns {

ReuseReport reuse_finished_tasks(const std::string& path, const Study& study, ResultStore& store) {
  std::error_code ignored;
  if (std::filesystem::equivalent(path, store.path(), ignored))
    throw Error(
        fmt::format("--reuse {}: that is the archive being written; a run resumes its own "
                    "archive without --reuse",
                    path));
  // With its journal: an interrupted sweep's last tasks are finished tasks too.
  ArchiveSnapshot snapshot = read_archive_and_journal(path);
  if (!snapshot.journal_unreadable.empty())
    throw ArchiveError(path, "",
                       fmt::format("cannot read its journal: {}", snapshot.journal_unreadable));
  const ArchiveContents& old = snapshot.contents;
  ReuseReport report;
  report.source =
      fmt::format("{}: study {} (hash {}), git {}{}", path, old.info.study_name,
                  old.info.study_hash, old.info.git_commit, old.info.git_dirty ? " (dirty)" : "");
  std::map<std::string, int> index_of;
  for (const Task& t : study.tasks) index_of.emplace(t.id, t.index);
  for (const TaskRecord& r : old.records) {
    const auto it = index_of.find(r.id);
    if (it == index_of.end()) {
      ++report.other;
      continue;
    }
    const Task& task = study.tasks[it->second];
    if (store.tasks().count(task.index)) {
      ++report.already;
    } else if (r.status != TaskStatus::Done) {
      ++report.not_done;
    } else if ((task.store_weights && !r.weights) || (task.store_stats && r.stats.empty())) {
      ++report.missing_outputs;
    } else {
      TaskRecord copy = r;
      copy.index = task.index;  // its place in this study's expansion
      store.add(copy);
      ++report.reused;
    }
  }
  return report;
}

}  // namespace ns
