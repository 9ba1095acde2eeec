// An archive as readers see it: with what its journal holds beyond it (archive.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "archive/archive.hpp"
#include "archive/archive_lock.hpp"
#include "archive/journal.hpp"
#include "core/error.hpp"

namespace ns {

ArchiveSnapshot read_archive_and_journal(const std::string& path) {
  ArchiveSnapshot snapshot;
  snapshot.live = ArchiveLock::held_by_another(path);
  snapshot.contents = read_archive(path);
  const std::string journal = journal_path(path);
  std::error_code ignored;
  if (!std::filesystem::exists(journal, ignored)) return snapshot;
  std::vector<TaskRecord> journaled;
  try {
    JournalReadReport report;
    journaled = read_journal(journal, snapshot.contents.info.study_hash, &report);
    snapshot.journal_problems = report.problems;
  } catch (const ArchiveError& e) {
    snapshot.journal_unreadable = e.what();
    snapshot.journal_problems.push_back(
        fmt::format("{}; {}", e.what(), unreadable_journal_advice(path)));
    return snapshot;
  }
  // A journal of an earlier release names its tasks by an earlier id scheme.
  upgrade_task_ids(journaled, parse_study_text(snapshot.contents.info.study_text,
                                               snapshot.contents.info.study_file));
  std::vector<TaskRecord>& records = snapshot.contents.records;
  std::set<std::string> in_archive;
  for (const TaskRecord& r : records) in_archive.insert(r.id);
  for (TaskRecord& r : journaled) {
    const bool new_task = !in_archive.count(r.id);
    records.push_back(std::move(r));
    if (new_task) {
      in_archive.insert(records.back().id);
      ++snapshot.from_journal;
    }
  }
  records = keep_one_per_task(std::move(records));
  std::sort(records.begin(), records.end(), [](const TaskRecord& a, const TaskRecord& b) {
    return std::tie(a.index, a.id) < std::tie(b.index, b.id);
  });
  return snapshot;
}

std::string unreadable_journal_advice(const std::string& archive_path) {
  return fmt::format(
      "the tasks only it holds are missing here. If it is damaged beyond use, move it aside "
      "(mv {0} {0}.damaged) and run the sweep again: it recomputes those tasks",
      journal_path(archive_path));
}

}  // namespace ns
