#include "sweep/result_store.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <utility>

#include "archive/archive_lock.hpp"
#include "archive/journal.hpp"
#include "archive/table_file.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "study/study_memory.hpp"
#include "sweep/worker.hpp"

namespace ns {

namespace {

constexpr double kSyncInterval = 1.0;  // seconds between fdatasync of the journal

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
                         std::function<ArchiveInfo(const std::vector<std::string>&)> provenance,
                         double checkpoint_seconds, bool allow_mixed_builds)
    : path_(std::move(archive_path)),
      lock_(std::make_unique<ArchiveLock>(path_)),
      study_(study),
      provenance_(std::move(provenance)),
      checkpoint_seconds_(checkpoint_seconds),
      allow_mixed_builds_(allow_mixed_builds) {
  lock_->remove_leftovers();
  // The journal belongs to the study text it was started with, which the archive names.
  std::string journal_hash = study.hash;
  std::vector<TaskHeader> archived;  // an archive appended to: its rows, without their arrays
  std::vector<TaskRecord> whole;     // an archive written anew: every record
  if (std::filesystem::exists(path_)) {
    const ArchiveInfo info = read_archive_info(path_);
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
    if (rewrite_)
      whole = read_archive(path_).records;
    else
      archived = read_archive_headers(path_);
  } else {
    rewrite_ = true;
  }
  std::vector<TaskRecord> journaled;
  const std::string journal = journal_path(path_);
  if (std::filesystem::exists(journal)) {
    JournalReadReport report;
    try {
      journaled = read_journal(journal, journal_hash, &report);
    } catch (const ArchiveError& e) {
      throw ArchiveError(
          path_, "",
          fmt::format("cannot resume: {}; {}", e.what(), unreadable_journal_advice(path_)));
    }
    journal_problems_ = report.problems;
  }
  journal_ = std::make_unique<JournalWriter>(JournalWriter::open_or_create(journal, journal_hash));
  upgrade_task_ids(journaled, study);  // a journal of an earlier release: earlier task ids

  // One record per task, the archive's first (keep_one_per_task's rule: a done record replaces
  // an earlier one that is not done; otherwise the first stays).
  const auto replaces = [&](int index, TaskStatus status) {
    const auto found = tasks_.find(index);
    return found == tasks_.end() ||
           (found->second.status != TaskStatus::Done && status == TaskStatus::Done);
  };
  const auto check_task = [&](const std::string& id, int index) {
    if (index < 0 || index >= int(study.tasks.size()) || study.tasks[index].id != id)
      throw ArchiveError(path_, "/tasks/" + id, "this task is not part of the study");
  };
  for (const TaskHeader& h : archived) {
    check_task(h.id, h.index);
    if (replaces(h.index, h.status)) tasks_[h.index] = {h.id, h.status, h.build, h.host, h.row};
  }
  for (std::vector<TaskRecord>* records : {&whole, &journaled}) {
    for (TaskRecord& r : *records) {
      check_task(r.id, r.index);
      if (replaces(r.index, r.status)) keep(std::move(r));
    }
  }
  for (const auto& [index, task] : tasks_)
    if (std::find(hosts_.begin(), hosts_.end(), task.host) == hosts_.end() && !task.host.empty())
      hosts_.push_back(task.host);
  if (!allow_mixed_builds_) {
    BuildCounts builds;
    for (const auto& [index, task] : tasks_)
      if (task.status == TaskStatus::Done) ++builds[task.build];
    require_one_build(path_, builds, numeric_build());
  }
  last_sync_ = last_checkpoint_ = unix_time();
}

ResultStore::~ResultStore() = default;

void ResultStore::keep(TaskRecord record) {
  const int index = record.index;
  tasks_[index] = {record.id, record.status, record.build, record.host, -1};
  if (!record.host.empty() && std::find(hosts_.begin(), hosts_.end(), record.host) == hosts_.end())
    hosts_.push_back(record.host);
  // A task run again (--retry-failed) before a checkpoint replaces its waiting record.
  if (const auto waiting = unarchived_.find(index); waiting != unarchived_.end())
    unarchived_bytes_ -= approximate_bytes(waiting->second);
  unarchived_bytes_ += approximate_bytes(record);
  unarchived_[index] = std::move(record);
}

ModelWeights ResultStore::weights(int index) const {
  if (const auto found = unarchived_.find(index); found != unarchived_.end()) {
    if (!found->second.weights)
      throw ArchiveError(path_, "", fmt::format("task {} kept no weights", index));
    return *found->second.weights;
  }
  const StoredTask& task = tasks_.at(index);
  return read_archive_task_weights(path_, task.row);
}

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
  keep(record);
  const double now = unix_time();
  // Also by size: what the archive lacks is held whole in memory until the next checkpoint.
  if (now - last_checkpoint_ > checkpoint_seconds_ ||
      double(unarchived_bytes_) > kCheckpointBytes) {
    checkpoint();
  } else if (now - last_sync_ > kSyncInterval) {
    journal_->sync();
    last_sync_ = now;
  }
}

void ResultStore::checkpoint() {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t tasks = unarchived_.size();
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
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ++times_.count;
  times_.total_seconds += seconds;
  times_.max_seconds = std::max(times_.max_seconds, seconds);
  times_.most_tasks = std::max(times_.most_tasks, tasks);
}

void ResultStore::write_unarchived() {
  const ArchiveInfo info = provenance_(hosts_);
  std::vector<const TaskRecord*> fresh;  // in index order
  for (const auto& [index, r] : unarchived_) fresh.push_back(&r);
  if (rewrite_) {
    // A new archive, or one of an earlier format or id scheme, or one that a killed writer left
    // open: written whole, once. Every record is in memory then (the constructor read them).
    std::vector<TaskRecord> all;
    all.reserve(fresh.size());
    for (const TaskRecord* r : fresh) all.push_back(*r);
    write_archive(path_, info, all, study_axes(study_, fresh));
    rewrite_ = false;
    run_started_ = true;
    for (const TaskHeader& h : read_archive_headers(path_)) tasks_.at(h.index).row = h.row;
  } else {
    // Appends only what is new: a checkpoint costs O(new tasks), not O(all).
    ArchiveAppender appender(path_, append_reservation(study_.axis_keys, fresh));
    if (run_started_)
      appender.update_run(info);
    else
      appender.begin_run(info);
    const std::int64_t first = appender.task_rows();
    appender.append(fresh, study_axes(study_, fresh));
    appender.commit();
    run_started_ = true;
    for (std::size_t i = 0; i < fresh.size(); ++i)
      tasks_.at(fresh[i]->index).row = first + std::int64_t(i);
  }
  unarchived_.clear();
  unarchived_bytes_ = 0;
}

void ResultStore::close() {
  checkpoint();
  journal_.reset();
  std::filesystem::remove(journal_path(path_));
}

}  // namespace ns
