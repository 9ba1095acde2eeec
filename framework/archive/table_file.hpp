#pragma once
// The archive of format 3 (layout in archive.hpp) as a file: created empty, appended to in place
// at each checkpoint, read whole. What counts is what the last row of /commits says: a writer
// killed in the middle of an append leaves rows past it, which readers ignore and the next
// writer overwrites, and HDF5's single-writer/multiple-reader mode keeps the file readable by
// h5py and by open_read() at every moment.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "archive/record_tables.hpp"
#include "io/h5.hpp"
#include "io/h5_table.hpp"

namespace ns {

inline constexpr const char* kCommitsTable = "commits";
inline constexpr int kTablesFormatVersion = 3;

// Creates an archive without tasks or runs at `path` (a temporary name: write_archive renames
// it once it is complete): `info` gives the attributes that never change (shard, task id
// scheme), `axis_keys` the study's swept keys. HDF5 builds it in memory; its bytes reach `path`
// through checked writes, so a full disk fails with the reason and leaves nothing half written.
void create_archive_file(const std::string& path, const ArchiveInfo& info,
                         const std::vector<std::string>& axis_keys);

// The disk space to reserve (ArchiveAppender) before appending `records` and a run row to an
// archive with these swept keys: twice the records' approximate_bytes, a new chunk in every
// column of each table that gets rows, and room for HDF5's string heaps and indexes.
std::uint64_t append_reservation(const std::vector<std::string>& axis_keys,
                                 const std::vector<const TaskRecord*>& records);

// Writes a new archive at `path`, atomically: creates it under a temporary name next to `path`
// (create_archive_file), lets `fill` append to it, lets `verify` read it back (both throw to
// refuse), and only then renames it over `path`. On any failure the temporary file is removed
// and `path` is untouched.
void write_new_archive(const std::string& path, const ArchiveInfo& info,
                       const std::vector<std::string>& axis_keys,
                       const std::function<void(const std::string& temporary)>& fill,
                       const std::function<void(const std::string& temporary)>& verify);

// Appends to an archive of format 3. The caller holds the archive's lock (archive_lock.hpp):
// there is one writer. Nothing appended counts, for readers or after a crash, until commit().
class ArchiveAppender {
 public:
  // Reserves `reserve_bytes` of disk space first (posix::reserve_space), at least what the
  // appends will write: a full disk then fails here, with the reason, before HDF5 writes a byte
  // (HDF5 does not recover from a failed write of its own). Closing gives back what is unused.
  explicit ArchiveAppender(const std::string& path, std::uint64_t reserve_bytes = 0);
  ArchiveAppender(const ArchiveAppender&) = delete;
  ArchiveAppender& operator=(const ArchiveAppender&) = delete;

  const std::string& path() const { return file_.path(); }
  const std::vector<std::string>& axis_keys() const { return axis_keys_; }
  std::int64_t task_rows() const;

  // Adds one row per record to the task table, and their curves, noise, statistics and weights.
  // Throws Error for a record that no archive may hold, before anything is written.
  void append(const std::vector<const TaskRecord*>& records, const StudyAxes& axes);
  // Starts a row in /runs for this writer, or brings the row it started up to date (hosts, the
  // finish time, ranks, reuse sources).
  void begin_run(const ArchiveInfo& info);
  void update_run(const ArchiveInfo& info);
  // Flushes and syncs what was appended, then records the new row counts in /commits and syncs
  // again: from then on it counts.
  void commit();

 private:
  h5::File file_;
  std::vector<std::string> axis_keys_;
  std::map<std::string, h5::Table> tables_;  // by name, every table but commits
  std::vector<std::string> order_;           // table names in /commits column order
  std::uint64_t sequence_ = 0;               // the last commit's
};

// Reads a whole archive of format 3 from its open root: the provenance of its runs, its axis
// keys and every committed task record (in task-table order; a task may have several records).
ArchiveContents read_table_file(const h5::Group& root);
ArchiveInfo read_table_file_info(const h5::Group& root);

std::vector<TaskHeader> read_task_headers(const h5::Group& root);

// Reads the committed task rows of a format 3 archive a range at a time, so that a whole
// archive passes through in bounded memory (merge). Each child table's task_row column is read
// once, to find a range's rows. With `only`, just those child tables are read (the rest of a
// record stays empty): the weights of a task need /models and /weights alone.
class TableReader {
 public:
  explicit TableReader(const std::string& path, const std::set<std::string>& only = {});
  std::int64_t task_rows() const;
  // The records of task rows [first, first + count), with their axis values.
  StoredRecords read(std::int64_t first, std::int64_t count) const;
  // The weights kept for task row `row`; throws ArchiveError if it has none.
  ModelWeights weights(std::int64_t row) const;

 private:
  h5::File file_;
  std::vector<std::string> axis_keys_;
  std::map<std::string, hsize_t> committed_;                 // rows, by table
  std::map<std::string, std::vector<std::int64_t>> owners_;  // task_row, by child table
};

}  // namespace ns
