#include "sweep/result_store.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "archive/archive_lock.hpp"
#include "archive/journal.hpp"
#include "archive/table_file.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "sweep/worker.hpp"

namespace ns {

namespace {

constexpr double kSyncInterval = 1.0;  // seconds between fdatasync of the journal

void check_builds(const std::string& path, const std::map<int, TaskRecord>& records) {
  BuildCounts builds;
  for (const auto& [index, r] : records) count_build(builds, r);
  require_one_build(path, builds, numeric_build());
}

// A study file whose text changed but whose tasks did not (a comment, a reordered table, a
// default written out) may resume its archive. Otherwise the message says what changed and how
// to carry the finished tasks over.
void check_same_tasks(const std::string& path, const ArchiveInfo& info, const Study& study) {
  const Study before = parse_study_text(info.study_text, info.study_file);
  std::vector<std::string> old_ids, new_ids;
  for (const Task& t : before.tasks) old_ids.push_back(t.id);
  for (const Task& t : study.tasks) new_ids.push_back(t.id);
  if (old_ids == new_ids) return;
  const std::set<std::string> old_set(old_ids.begin(), old_ids.end());
  const std::set<std::string> new_set(new_ids.begin(), new_ids.end());
  int gone = 0, added = 0;
  for (const std::string& id : old_ids) gone += new_set.count(id) ? 0 : 1;
  for (const std::string& id : new_ids) added += old_set.count(id) ? 0 : 1;
  throw ArchiveError(
      path, "",
      fmt::format("holds the results of another version of the study: '{}' ({}) had {} tasks, "
                  "this file ('{}', {}) has {}; {} of the archive's tasks are not in it and {} of "
                  "its tasks are new{}. To keep what both share, write a new archive and copy "
                  "the finished tasks in: run {} -o NEW.h5 --reuse {}",
                  before.name, info.study_file, old_ids.size(), study.name, study.file,
                  new_ids.size(), gone, added,
                  gone == 0 && added == 0 ? " (the same tasks in another order)" : "", study.file,
                  path));
}

}  // namespace

ResultStore::ResultStore(std::string archive_path, const Study& study, const std::string& shard,
                         std::function<ArchiveInfo(const std::map<int, TaskRecord>&)> provenance,
                         double checkpoint_seconds, bool allow_mixed_builds)
    : path_(std::move(archive_path)),
      lock_(std::make_unique<ArchiveLock>(path_)),
      study_(study),
      provenance_(std::move(provenance)),
      checkpoint_seconds_(checkpoint_seconds),
      allow_mixed_builds_(allow_mixed_builds) {
  lock_->remove_leftovers();
  std::vector<TaskRecord> found;
  // The journal belongs to the study text it was started with, which the archive names.
  std::string journal_hash = study.hash;
  // (id, finish time) of the records the archive holds: the rest of what is found is new to it.
  std::set<std::pair<std::string, double>> archived;
  if (std::filesystem::exists(path_)) {
    const ArchiveContents contents = read_archive(path_);
    const ArchiveInfo& info = contents.info;
    if (info.study_hash != study.hash) {
      check_same_tasks(path_, info, study);
      journal_hash = info.study_hash;
      study_text_changed_ = true;
    }
    // Resuming as another shard would mix shards under the wrong name. Archives written
    // before archives recorded their shard do not say; they are trusted.
    if (!info.shard.empty() && info.shard != shard)
      throw ArchiveError(path_, "",
                         fmt::format("holds shard {} of the study, not {}; write shard {} to its "
                                     "own archive with -o (`merge` joins them)",
                                     info.shard, shard, shard));
    earlier_reused_from_ = info.reused_from;
    rewrite_ = archive_needs_rewrite(path_);
    for (const TaskRecord& r : contents.records) archived.emplace(r.id, r.finished);
    found = contents.records;
  } else {
    rewrite_ = true;
  }
  const std::string journal = journal_path(path_);
  if (std::filesystem::exists(journal)) {
    JournalReadReport report;
    try {
      for (TaskRecord& r : read_journal(journal, journal_hash, &report))
        found.push_back(std::move(r));
    } catch (const ArchiveError& e) {
      throw ArchiveError(
          path_, "",
          fmt::format("cannot resume: {}; {}", e.what(), unreadable_journal_advice(path_)));
    }
    journal_problems_ = report.problems;
  }
  journal_ = std::make_unique<JournalWriter>(JournalWriter::open_or_create(journal, journal_hash));
  upgrade_task_ids(found, study);  // a journal of an earlier release: earlier task ids
  for (TaskRecord& r : keep_one_per_task(std::move(found))) {
    if (r.index < 0 || r.index >= int(study.tasks.size()) || study.tasks[r.index].id != r.id)
      throw ArchiveError(path_, "/tasks/" + r.id, "this task is not part of the study");
    if (!archived.count({r.id, r.finished})) unarchived_.push_back(r.index);
    records_[r.index] = std::move(r);
  }
  if (!allow_mixed_builds_) check_builds(path_, records_);
  last_sync_ = last_checkpoint_ = unix_time();
}

ResultStore::~ResultStore() = default;

void ResultStore::add(const TaskRecord& record) {
  if (!allow_mixed_builds_) {
    BuildCounts builds;
    count_build(builds, record);
    require_one_build(path_, builds, numeric_build());
  }
  try {
    journal_->append(record);
  } catch (const ArchiveError& e) {
    throw ArchiveError(path_, "",
                       fmt::format("cannot record task {} ({}). Every task finished before it "
                                   "is kept in the archive and its journal: make room (or fix "
                                   "the cause) and run the same command again to resume",
                                   record.index, e.what()));
  }
  records_[record.index] = record;
  unarchived_.push_back(record.index);
  const double now = unix_time();
  if (now - last_checkpoint_ > checkpoint_seconds_) {
    checkpoint();
  } else if (now - last_sync_ > kSyncInterval) {
    journal_->sync();
    last_sync_ = now;
  }
}

void ResultStore::checkpoint() {
  try {
    write_unarchived();
  } catch (const ArchiveError& e) {
    throw ArchiveError(path_, "",
                       fmt::format("cannot write the archive ({}). What it held is unchanged, and "
                                   "every finished task is kept in the journal {}: make room (or "
                                   "fix the cause) and run the same command again to resume",
                                   e.what(), journal_path(path_)));
  }
  // Everything journaled is now committed to the archive, so the journal starts over. A crash
  // between the two leaves both, and resume keeps each task once.
  journal_->clear(study_.hash);
  last_sync_ = last_checkpoint_ = unix_time();
}

void ResultStore::write_unarchived() {
  const ArchiveInfo info = provenance_(records_);
  if (rewrite_) {
    // A new archive, or one of an earlier format or task id scheme: written whole, once.
    std::vector<TaskRecord> all;
    all.reserve(records_.size());
    for (const auto& [index, r] : records_) all.push_back(r);
    write_archive(path_, info, all, study_axes(study_));
    rewrite_ = false;
  } else {
    // Appends only what is new: a checkpoint costs O(new tasks), not O(all).
    std::sort(unarchived_.begin(), unarchived_.end());
    unarchived_.erase(std::unique(unarchived_.begin(), unarchived_.end()), unarchived_.end());
    std::vector<const TaskRecord*> fresh;
    for (int index : unarchived_) fresh.push_back(&records_.at(index));
    ArchiveAppender appender(path_);
    if (run_started_)
      appender.update_run(info);
    else
      appender.begin_run(info);
    appender.append(fresh, study_axes(study_));
    appender.commit();
  }
  run_started_ = true;
  unarchived_.clear();
}

void ResultStore::close() {
  checkpoint();
  journal_.reset();
  std::filesystem::remove(journal_path(path_));
}

}  // namespace ns
