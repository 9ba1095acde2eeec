#pragma once
// The study archive: every result of a study in one self-describing HDF5 file that h5py and
// h5dump read without this code.
//
// Layout (format "noisesweep-archive", format_version 2; version 1, without stats/, is not read):
//   /                    attrs: format, format_version, study_name, study_file, study_hash,
//                          program_version, git_commit, git_dirty (0/1), compiler,
//                          eigen_version, hdf5_version, mpi_version, numeric_build (the
//                          writer's; absent before 0.2), hosts (strings),
//                          started, finished (Unix seconds), ranks, task_count,
//                          axis_keys (strings: the study's swept keys, in order),
//                          reused_from (strings; only when `run --reuse` copied tasks in),
//                          shard ("I/K", or "0/1" for the whole study; absent in older archives),
//                          task_id_scheme (study/task_id.hpp; absent before scheme 1: 0)
//   /study_text          scalar string: the study file as written
//   /summary             one row per task in index order (see summary.hpp for the columns)
//   /tasks/<id>/         one group per task, id = 32 hex digits
//       attrs: id, stage, index, status ("done" | "failed" | "diverged"), message, settings,
//              parent (the id of the task it starts from, "" for none; absent before 0.4),
//              seed (uint64), rank, host, build (numeric_build of the program that computed
//              it; "" for tasks that never ran, absent before 0.2), started, finished,
//              train_seconds, eval_seconds, clean_accuracy
//       axes/            attrs: the task's value for each swept key, as TOML text, named by key
//                        (a group of their own: a key such as "seed" would clash above)
//       curve/epoch      int32 (epochs)      curve/loss, cross_entropy, train_accuracy,
//                        validation_accuracy, seconds: float64 (epochs)
//       noise/kinds      strings (kinds), e.g. "AddUnc"
//       noise/levels     float64 (levels): the variances
//       noise/accuracy   float64 (kinds x levels x repetitions)
//       stats/           only for tasks that finished (eval/network_stats.hpp), so that plots
//                        never re-run a model. Every *_hist_edges is float64 (61) and every
//                        *_hist_counts int64 (60): equal-width bins over [min, max] of the data
//                        (+-0.5 when min == max), bin i = [edges[i], edges[i+1]), the last bin
//                        closed; the counts sum to the number of values.
//         layers/<l>/    every layer l = 0..L-1, the output layer included; W_l is out x in:
//           row_mean, row_std     float64 (out): over row i of W_l, the weights into neuron i
//                                 (row sum = row_mean * in; population std)
//           weight_hist_edges, weight_hist_counts   all entries of W_l
//           bias_hist_edges, bias_hist_counts       all entries of b_l
//         hidden/<h>/    every hidden layer h = 0..L-2, over the whole test set without noise:
//           preactivation_hist_edges, preactivation_hist_counts   z_h = W_h x_h + b_h
//           input_hist_edges, input_hist_counts                   x_h: the standardised pixels
//                                 for h = 0, the activation f(z_{h-1}) otherwise
//       weights/         only when kept: the weights-file layout (io/weights_file.hpp) with its
//                        attrs activation, noise_placement, layer_sizes, settings and
//                        layers/<l>/W (out x in), layers/<l>/b
//
// Writing is atomic: the archive is built in memory, written to a temporary file of its own
// (io/posix_file.hpp), synced, read back, and renamed over PATH, so PATH is always either the
// previous complete archive or the new one. Tasks are written in index
// order, so the file does not depend on the order in which tasks finished.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "record/task_record.hpp"
#include "study/study.hpp"
#include "study/task_id.hpp"

namespace ns {

inline constexpr const char* kArchiveFormat = "noisesweep-archive";
// 2: tasks/<id>/stats. Version-1 archives are refused (ArchiveError says why).
inline constexpr int kArchiveFormatVersion = 2;

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
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_task;  // by id
};

StudyAxes study_axes(const Study& study);

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
