#pragma once
// The coordinator's storage of results, built for crash safety. It holds the archive's lock
// (archive/archive_lock.hpp) from construction to destruction. A finished task is first
// appended to the journal (ARCHIVE.h5.journal): one write(2), so it survives a SIGKILL the
// moment add() returns. At checkpoints the tasks the archive lacks are appended to it in place
// and committed (archive/table_file.hpp), so a checkpoint costs what is new, and the archive on
// disk is readable and complete up to its last commit at every moment; only after the commit
// does the journal start empty. An archive of an earlier format or task id scheme, or none, is
// written whole at the first checkpoint, atomically. A failed write (a full disk) throws and
// leaves the committed archive and the journal as they were: a resumed run reads both.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "study/study.hpp"
#include "sweep/coordinator.hpp"

namespace ns {

class ArchiveLock;
class JournalWriter;

// What the store keeps in memory of each task with a record: enough to schedule, count and
// find its weights, not its curves, statistics or weights (those stay in the archive once it
// holds them, so rank 0's memory does not grow with the records).
struct StoredTask {
  std::string id;
  TaskStatus status = TaskStatus::Done;
  std::string build, host;
  std::int64_t row = -1;  // its row in the archive's /tasks; -1 until the archive holds it
};

// How long checkpoints took, for the run's summary and the archive benchmark.
struct CheckpointTimes {
  int count = 0;
  double total_seconds = 0, max_seconds = 0;
  std::size_t most_tasks = 0;  // the most records one checkpoint wrote
};

class ResultStore final : public ResultSink {
 public:
  // Loads what an earlier run of the same study left; throws if the archive or journal belongs
  // to another study, or the archive to another shard than `shard` ("I/K", "0/1": whole). A
  // study file whose text changed since, but not its tasks (a comment), resumes: the archive
  // then takes the new text.
  // `provenance` describes the run for the archive's /runs, given the hosts that computed the
  // tasks; checkpoints happen at most every `checkpoint_seconds` during add(), and at every
  // explicit checkpoint().
  //
  // Finished tasks of one archive come from one numeric build (core/build_info.hpp), this
  // program's, unless `allow_mixed_builds`: otherwise the constructor refuses an archive with
  // finished tasks of another build (or of a release that did not record it), and add() a
  // finished record of another build (a worker on another binary, a reused task).
  ResultStore(std::string archive_path, const Study& study, const std::string& shard,
              std::function<ArchiveInfo(const std::vector<std::string>& hosts)> provenance,
              double checkpoint_seconds = 600, bool allow_mixed_builds = false);
  ~ResultStore() override;

  // Every task with a record, by task index (a later record of a task replaces an earlier one).
  const std::map<int, StoredTask>& tasks() const { return tasks_; }
  // The weights a finished task kept: from memory until the archive holds them, then read from
  // it. Throws ArchiveError if it kept none.
  ModelWeights weights(int index) const;
  const std::string& path() const { return path_; }
  // The reused_from sources of the archive an earlier run left (empty for a new archive).
  const std::vector<std::string>& earlier_reused_from() const { return earlier_reused_from_; }
  // Damaged or torn journal records skipped on load, one line each (for the log).
  const std::vector<std::string>& journal_problems() const { return journal_problems_; }
  // The archive was written for other study text with the same tasks (see the constructor).
  bool study_text_changed() const { return study_text_changed_; }
  const CheckpointTimes& checkpoint_times() const { return times_; }

  void add(const TaskRecord& record) override;
  // Writes the records the archive lacks into it, then empties the journal.
  void checkpoint();
  // The last checkpoint, then removes the (empty) journal: the archive is complete.
  void close();

 private:
  void keep(TaskRecord record);  // replaces the task's earlier record, if any
  void write_unarchived();

  std::string path_;
  std::unique_ptr<ArchiveLock> lock_;  // first in, last out: held while anything is written
  const Study& study_;
  std::map<int, StoredTask> tasks_;
  std::map<int, TaskRecord> unarchived_;  // whole records the archive lacks, by task index
  std::size_t unarchived_bytes_ = 0;      // roughly, of unarchived_
  std::vector<std::string> hosts_;        // of every task with a record, first seen first
  std::vector<std::string> earlier_reused_from_;
  std::function<ArchiveInfo(const std::vector<std::string>&)> provenance_;
  double checkpoint_seconds_;
  bool allow_mixed_builds_;
  std::unique_ptr<JournalWriter> journal_;
  std::vector<std::string> journal_problems_;
  bool study_text_changed_ = false;
  double last_sync_ = 0, last_checkpoint_ = 0;
  bool rewrite_ = false;      // the next checkpoint writes the archive whole
  bool run_started_ = false;  // this run has its row in the archive's /runs
  CheckpointTimes times_;
};

}  // namespace ns
