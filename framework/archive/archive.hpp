#pragma once
// The study archive: every result of a study in one self-describing HDF5 file that h5py and
// h5dump read without this code.
//
// Layout (format "noisesweep-archive", format_version 3). Every table is a group of 1-D
// columns with one entry per row (io/h5_table.hpp): a ragged column NAME (an array per row) is
// NAME, every row's values one after another, and NAME_end, where each row's values end.
// Strings are variable-length UTF-8. Rows are appended in place, so a checkpoint writes only
// what is new; /commits says how many rows of each table count. The task tables and their
// columns follow from the task record's field declarations (record/record_fields.hpp).
//   /                 attrs: format, format_version, shard ("I/K", "0/1" for the whole study),
//                       task_id_scheme (study/task_id.hpp), axis_keys (the study's swept keys)
//   /runs             one row per writing session (a run, a resume, a merge): study_name,
//                       study_file, study_hash, study_text, program_version, git_commit,
//                       git_dirty, compiler, eigen_version, hdf5_version, mpi_version,
//                       numeric_build, hosts (one per line), started, finished (Unix seconds),
//                       ranks, reused_from (one "PATH: study NAME (hash H), git COMMIT" per line)
//   /tasks            one row per task record: id (32 hex digits), stage, index, status
//                       ("done" | "failed" | "diverged"), message, settings, parent (the id of
//                       the task it starts from, "" for none), seed (uint64), rank, host, build
//                       (numeric_build of the program that computed it), started, finished,
//                       train_seconds, eval_seconds, clean_accuracy, noise_repetitions, and
//                       "axis:KEY" per swept key (its value as TOML text, "" if not swept)
//   /curves           one row per task and epoch: task_row (the row in /tasks), epoch, loss,
//                       cross_entropy, train_accuracy, validation_accuracy, seconds
//   /noise            one row per task and noise kind: task_row, kind (e.g. "AddUnc"), levels
//                       (ragged: the variances), accuracy (ragged: levels x repetitions,
//                       row-major)
//   /layers           one row per finished task and layer l = 0..L-1 (eval/network_stats.hpp):
//                       task_row, layer, row_mean, row_std (ragged, one per neuron of W_l, out
//                       x in), weight_hist_edges/_counts (every entry of W_l), bias_hist_edges/
//                       _counts (of b_l); every histogram is ragged, edges float64 (bins + 1)
//                       and counts int64 (bins): equal-width bins over [min, max] (+-0.5 when
//                       min == max), bin i = [edges[i], edges[i+1]), the last one closed
//   /hidden           one row per finished task and hidden layer h = 0..L-2, over the test set
//                       without noise: task_row, layer, preactivation_hist_edges/_counts
//                       (z_h = W_h x_h + b_h), input_hist_edges/_counts (x_h)
//   /models           one row per task whose weights are kept: task_row, activation,
//                       noise_placement, settings
//   /weights          one row per kept layer: task_row, layer, rows, cols, W (ragged float32,
//                       rows x cols, row-major: row i = the weights into neuron i), b (ragged)
//   /commits          one row per checkpoint: each table's committed row count, then sequence
//                       (1, 2, ...); the last row whose sequence is its position + 1 counts
// A task may have more than one row in /tasks (a failed task that a resume ran again): the
// first done row counts, else the first row (keep_one_per_task).
//
// The file is written in HDF5's single-writer/multiple-reader mode, so it can be read at every
// moment: plainly between checkpoints, and with h5py.File(path, "r", swmr=True) (which
// open_read() falls back to) while a checkpoint writes or after a writer was killed in one.
// Tables are written in the order above, /commits last, each after a sync; a write cut short
// leaves rows past the committed counts that readers ignore and the next writer overwrites.
//
// Format 2 (one group per task, /summary) is still read; its layout is in README ("Archives of
// format 2"). Writers always write format 3: resuming a format 2 archive rewrites it once.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "record/task_record.hpp"
#include "study/study.hpp"
#include "study/task_id.hpp"

namespace ns {

inline constexpr const char* kArchiveFormat = "noisesweep-archive";
// 3: tables that grow in place. 2: a group per task, rewritten whole at each checkpoint (read,
// never written). Version-1 archives are refused (ArchiveError says why).
inline constexpr int kArchiveFormatVersion = 3;
inline constexpr int kLegacyArchiveFormatVersion = 2;

using AxisValues = std::vector<std::pair<std::string, std::string>>;  // (key, TOML text)

// Provenance of the run that produced an archive; filled in by the caller.
struct ArchiveInfo {
  std::string study_name, study_file, study_text, study_hash;
  std::string program_version, git_commit;
  bool git_dirty = false;
  std::string compiler, eigen_version, hdf5_version, mpi_version;
  std::string numeric_build;  // core/build_info.hpp, of the program that wrote the archive
  std::vector<std::string> hosts;
  double started = 0, finished = 0;  // Unix time, seconds
  int ranks = 0;
  // Archives whose finished tasks `run --reuse` copied in, one line each: "PATH: study NAME
  // (hash H), git COMMIT" (sweep/reuse.hpp). Empty when every task was computed here.
  std::vector<std::string> reused_from;
  // The part of the study this archive is for: "I/K" from `run --shard I/K`, "0/1" for the
  // whole study (also for a merge of several shards); "" when not known (an archive written
  // before archives recorded it).
  std::string shard = "0/1";
  // How task ids are formed (study/task_id.hpp); 0 for archives from before it was recorded.
  // Reading upgrades records to the current scheme, so read archives always hold this one.
  int task_id_scheme = kTaskIdScheme;
};

// The values each task takes on the study's swept keys (Task::axes), as TOML text.
struct StudyAxes {
  std::vector<std::string> keys;  // every swept key, in the study's order: summary columns
  std::map<std::string, AxisValues> by_task;  // by id
};

StudyAxes study_axes(const Study& study);
// The same for the tasks of `records` only (each found by its index): what a checkpoint needs,
// in time that does not grow with the study.
StudyAxes study_axes(const Study& study, const std::vector<const TaskRecord*>& records);

struct ArchiveContents {
  ArchiveInfo info;
  StudyAxes axes;
  std::vector<TaskRecord> records;  // in index order
};

// Throws Error if two records share an id or a task has a value for a key outside axes.keys,
// and ArchiveError (naming the file and object) if writing fails; PATH is then untouched.
void write_archive(const std::string& path, const ArchiveInfo& info,
                   const std::vector<TaskRecord>& records, const StudyAxes& axes);

// An archive as a reader should see it: the archive's records plus those its journal
// (PATH.journal) holds and the archive does not yet, one per task (keep_one_per_task). The
// journal is read as it is now; a sweep that is still running may add more.
struct ArchiveSnapshot {
  ArchiveContents contents;
  int from_journal = 0;  // tasks whose record came from the journal
  bool live = false;     // a process holds the archive's lock: a sweep is writing it
  // What is wrong with the journal, one line each: damaged stretches that were skipped, or why
  // it could not be read at all (then none of its records is included, and `journal_unreadable`
  // holds the reason). Readers show these; writers refuse an unreadable journal.
  std::vector<std::string> journal_problems;
  std::string journal_unreadable;
};
ArchiveSnapshot read_archive_and_journal(const std::string& path);

// What to do about an unreadable journal, for messages: it holds finished tasks that the
// archive may lack.
std::string unreadable_journal_advice(const std::string& archive_path);

// Every numeric field reads back bit for bit. All throw ArchiveError naming the file and the
// object for a missing file, another format or version, or a malformed part.
ArchiveContents read_archive(const std::string& path);
ArchiveInfo read_archive_info(const std::string& path);  // reads no task
// What a writer resuming the archive needs of each committed task row, without its arrays.
struct TaskHeader {
  std::int64_t row = 0;  // in /tasks
  std::string id;
  int index = 0;
  TaskStatus status = TaskStatus::Done;
  std::string build, host;
  double finished = 0;
  bool has_weights = false;
};
// A format 3 archive's committed task rows without their arrays, and the weights of one row
// (table_file.hpp); both throw ArchiveError for a format 2 archive.
std::vector<TaskHeader> read_archive_headers(const std::string& path);
ModelWeights read_archive_task_weights(const std::string& path, std::int64_t row);
std::vector<std::string> read_archive_axis_keys(const std::string& path);

// Whether the archive at `path` is of format 3 and names its tasks by the current id scheme:
// its task rows can be read as they are (read_archive_headers, TableReader).
bool archive_has_current_tables(const std::string& path);
// Whether new tasks cannot be appended to the archive at `path` as it is: it is of format 2,
// names its tasks by an earlier id scheme, or a writer was killed while appending to it (rows
// past its last commit may be half written). Such an archive is rewritten whole from what it
// holds (write_archive), once.
bool archive_needs_rewrite(const std::string& path);
std::vector<TaskRecord> read_archive_records(const std::string& path);

// Gives records that carry a task id of an earlier scheme (study/task_id.hpp) the current id of
// the same task, found by index. Records with current ids, or of tasks that are not in the
// study, are left as they are. Returns how many were renamed.
int upgrade_task_ids(std::vector<TaskRecord>& records, const Study& study);

// Finished tasks per numeric build (TaskRecord::build; "" for releases before 0.2 recorded it).
using BuildCounts = std::map<std::string, int>;
void count_build(BuildCounts& counts, const TaskRecord& r);  // counts r if it is done
// Results of different builds can differ in the last bits, so one archive holds one build's
// unless the user allows more (--allow-mixed-builds). Throws ArchiveError naming `path`, every
// build and what to do, if `counts` holds a build other than `required`, or, with `required`
// "", more than one build.
void require_one_build(const std::string& path, const BuildCounts& counts,
                       const std::string& required);

// One record per task id, in first-seen order: a done record replaces an earlier failed or
// diverged one; otherwise the first one stays. For resume (archive + journal) and merge.
std::vector<TaskRecord> keep_one_per_task(std::vector<TaskRecord> records);

// Joins archives of the same study (shards, interrupted jobs) into `output`, which may be one
// of the inputs. Each input counts with its journal (read_archive_and_journal), so tasks that an
// interrupted sweep journaled but never wrote to its archive are kept. Refuses, naming both
// files, archives whose study hashes differ. Takes `output`'s lock for the whole merge, so an
// output that a sweep (or another merge) is writing is refused, and so is an output that is not
// an input but holds the journal of an interrupted sweep (its tasks would be orphaned). Each
// task is kept once (keep_one_per_task, inputs in the order given); provenance comes from the
// first input, with the union of hosts, the earliest start, the latest finish, the most ranks,
// git_dirty if any input was dirty, and the inputs' shard if they share one ("0/1" if not).
struct MergeReport {
  std::size_t tasks = 0;                 // in the merged archive
  int from_journals = 0;                 // of which only the inputs' journals held
  std::vector<std::string> live_inputs;  // inputs a sweep is still writing: merged as they were
};
// Finished tasks of different numeric builds (TaskRecord::build) are refused, naming the
// builds, unless `allow_mixed_builds`.
MergeReport merge_archives(const std::vector<std::string>& inputs, const std::string& output,
                           bool allow_mixed_builds = false);

}  // namespace ns
