#include "archive/archive.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "archive/archive_lock.hpp"
#include "archive/journal.hpp"
#include "archive/provenance.hpp"
#include "archive/table_file.hpp"
#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/posix_file.hpp"

namespace ns {
namespace {

void check_same_study(const std::string& first_path, const ArchiveInfo& first,
                      const std::string& path, const ArchiveInfo& info) {
  if (info.study_hash == first.study_hash) return;
  throw ArchiveError(path, "/",
                     fmt::format("belongs to study '{}' (hash {}), but {} belongs to study '{}' "
                                 "(hash {}): archives of different studies cannot be merged",
                                 info.study_name, info.study_hash, first_path, first.study_name,
                                 first.study_hash));
}

void add_provenance(ArchiveInfo& merged, const ArchiveInfo& info) {
  for (const std::string& host : info.hosts)
    if (std::find(merged.hosts.begin(), merged.hosts.end(), host) == merged.hosts.end())
      merged.hosts.push_back(host);
  merged.started = std::min(merged.started, info.started);
  merged.finished = std::max(merged.finished, info.finished);
  merged.ranks = std::max(merged.ranks, info.ranks);
  merged.git_dirty = merged.git_dirty || info.git_dirty;
  if (merged.shard != info.shard) merged.shard = "0/1";  // shards joined: part of the whole
  for (const std::string& source : info.reused_from)
    if (std::find(merged.reused_from.begin(), merged.reused_from.end(), source) ==
        merged.reused_from.end())
      merged.reused_from.push_back(source);
}

struct MergeInput {
  std::string path;
  ArchiveInfo info;
  std::vector<std::string> axis_keys;
  bool live = false;     // a sweep is writing it
  int from_journal = 0;  // tasks that only its journal holds
  // Format 3 archives are read a range of rows at a time; their rows' few fields decide first.
  std::vector<TaskHeader> headers;
  // Records held whole: those of a format 2 archive (or of an earlier id scheme), then those of
  // the journal, with their axis values.
  std::vector<TaskRecord> whole;
  std::map<std::string, AxisValues> whole_axes;
};

struct Winner {
  std::size_t input = 0;
  bool row = false;           // a task row of the input's archive (else a record in `whole`)
  std::int64_t position = 0;  // the row, or the index in `whole`
  TaskStatus status = TaskStatus::Done;
  std::string build;
};

MergeInput read_merge_input(const std::string& path) {
  MergeInput in;
  in.path = path;
  in.live = ArchiveLock::held_by_another(path);
  in.info = read_archive_info(path);
  std::set<std::string> archived;
  if (archive_has_current_tables(path)) {
    in.headers = read_archive_headers(path);
    in.axis_keys = read_archive_axis_keys(path);
    for (const TaskHeader& h : in.headers) archived.insert(h.id);
  } else {
    ArchiveContents contents = read_archive(path);
    in.info = contents.info;  // with the task ids of today's scheme
    in.axis_keys = contents.axes.keys;
    in.whole_axes = std::move(contents.axes.by_task);
    in.whole = std::move(contents.records);
    for (const TaskRecord& r : in.whole) archived.insert(r.id);
  }
  const std::string journal = journal_path(path);
  std::error_code ignored;
  if (!std::filesystem::exists(journal, ignored)) return in;
  std::vector<TaskRecord> journaled;
  try {
    journaled = read_journal(journal, in.info.study_hash);
  } catch (const ArchiveError& e) {  // merging without its tasks would lose them
    throw ArchiveError(path, "", fmt::format("cannot read its journal: {}", e.what()));
  }
  // A journal of an earlier release names its tasks by an earlier id scheme.
  const Study study = parse_study_text(in.info.study_text, in.info.study_file);
  upgrade_task_ids(journaled, study);
  for (TaskRecord& r : journaled) {
    in.from_journal += archived.insert(r.id).second ? 1 : 0;
    if (r.index >= 0 && std::size_t(r.index) < study.tasks.size() &&
        study.tasks[std::size_t(r.index)].id == r.id)
      in.whole_axes.emplace(r.id, study.tasks[std::size_t(r.index)].axes);
    in.whole.push_back(std::move(r));
  }
  return in;
}

// Appends `records` to the archive at `path` and commits them: one append in bounded memory.
void append_batch(const std::string& path, const std::vector<const TaskRecord*>& records,
                  const StudyAxes& axes) {
  if (records.empty()) return;
  ArchiveAppender appender(path, append_reservation(axes.keys, records));
  appender.append(records, axes);
  appender.commit();
}

// Writes the winners into a new archive next to `output`, a batch of records at a time, then
// renames it over `output` (which may be one of the inputs: they are read before).
void write_merged(const std::string& output, const ArchiveInfo& info,
                  const std::vector<std::string>& keys, const std::vector<MergeInput>& sources,
                  const std::map<std::string, Winner>& winners) {
  constexpr std::int64_t kBatchRows = 256;
  const auto fill = [&](const std::string& temporary) {
    {
      ArchiveAppender appender(temporary, append_reservation(keys, {}));
      appender.begin_run(info);
      appender.commit();
    }
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const MergeInput& in = sources[i];
      std::vector<std::int64_t> rows;
      std::vector<const TaskRecord*> whole;
      for (const auto& [id, w] : winners) {
        if (w.input != i) continue;
        if (w.row)
          rows.push_back(w.position);
        else
          whole.push_back(&in.whole[std::size_t(w.position)]);
      }
      std::sort(rows.begin(), rows.end());
      if (!rows.empty()) {
        const TableReader reader(in.path);
        for (std::size_t at = 0; at < rows.size();) {
          // The rows [first, first + kBatchRows) that hold winners; others are read and dropped.
          const std::int64_t first = rows[at];
          const std::int64_t count = std::min(kBatchRows, reader.task_rows() - first);
          StoredRecords batch = reader.read(first, count);
          std::vector<const TaskRecord*> kept;
          for (; at < rows.size() && rows[at] < first + count; ++at)
            kept.push_back(&batch.records[std::size_t(rows[at] - first)]);
          append_batch(temporary, kept, StudyAxes{keys, std::move(batch.axes)});
        }
      }
      for (std::size_t at = 0; at < whole.size(); at += std::size_t(kBatchRows)) {
        const std::vector<const TaskRecord*> batch(
            whole.begin() + std::ptrdiff_t(at),
            whole.begin() + std::ptrdiff_t(std::min(whole.size(), at + std::size_t(kBatchRows))));
        StudyAxes axes{keys, {}};
        for (const TaskRecord* r : batch)
          if (const auto found = in.whole_axes.find(r->id); found != in.whole_axes.end())
            axes.by_task.emplace(r->id, found->second);
        append_batch(temporary, batch, axes);
      }
    }
  };
  write_new_archive(output, info, keys, fill, [&](const std::string& temporary) {
    if (read_archive_headers(temporary).size() != winners.size())
      throw ArchiveError(
          temporary, "/tasks",
          fmt::format("the merged file does not read back {} tasks", winners.size()));
  });
}

}  // namespace

std::vector<TaskRecord> keep_one_per_task(std::vector<TaskRecord> records) {
  std::vector<TaskRecord> kept;
  std::map<std::string, std::size_t> position;  // id -> index in kept
  for (TaskRecord& r : records) {
    const auto [at, inserted] = position.emplace(r.id, kept.size());
    if (inserted)
      kept.push_back(std::move(r));
    else if (kept[at->second].status != TaskStatus::Done && r.status == TaskStatus::Done)
      kept[at->second] = std::move(r);
  }
  return kept;
}

MergeReport merge_archives(const std::vector<std::string>& inputs, const std::string& output,
                           bool allow_mixed_builds) {
  if (inputs.empty()) throw Error("merge needs at least one archive");
  const ArchiveLock lock(output);
  lock.remove_leftovers();
  std::error_code ignored;
  const bool output_is_input = std::any_of(inputs.begin(), inputs.end(), [&](const auto& in) {
    return std::filesystem::equivalent(in, output, ignored);
  });
  if (!output_is_input && std::filesystem::exists(journal_path(output), ignored))
    throw ArchiveError(output, "",
                       fmt::format("holds the journal {} of an interrupted sweep, whose tasks the "
                                   "merge would orphan: resume that sweep, or name it as an "
                                   "input, or merge into another file",
                                   journal_path(output)));
  MergeReport report;
  std::vector<MergeInput> sources;
  for (const std::string& path : inputs) {
    sources.push_back(read_merge_input(path));
    const MergeInput& in = sources.back();
    if (in.live) report.live_inputs.push_back(path);
    report.from_journals += in.from_journal;
    if (sources.size() > 1) check_same_study(inputs.front(), sources.front().info, path, in.info);
  }
  ArchiveInfo info = sources.front().info;
  std::vector<std::string> keys = sources.front().axis_keys;
  for (std::size_t i = 1; i < sources.size(); ++i) {
    add_provenance(info, sources[i].info);
    for (const std::string& key : sources[i].axis_keys)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }

  // One record per task across the inputs, in the order given (keep_one_per_task's rule),
  // chosen from the task rows' few fields before any record is read whole.
  std::map<std::string, Winner> winners;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto consider = [&](const std::string& id, TaskStatus status, const std::string& build,
                              bool row, std::int64_t position) {
      const auto [at, fresh] = winners.try_emplace(id, Winner{i, row, position, status, build});
      if (!fresh && at->second.status != TaskStatus::Done && status == TaskStatus::Done)
        at->second = Winner{i, row, position, status, build};
    };
    for (const TaskHeader& h : sources[i].headers) consider(h.id, h.status, h.build, true, h.row);
    for (std::size_t r = 0; r < sources[i].whole.size(); ++r) {
      const TaskRecord& record = sources[i].whole[r];
      consider(record.id, record.status, record.build, false, std::int64_t(r));
    }
  }
  if (!allow_mixed_builds) {
    BuildCounts builds;
    for (const auto& [id, w] : winners)
      if (w.status == TaskStatus::Done) ++builds[w.build];
    require_one_build(output, builds, "");
  }
  report.tasks = winners.size();
  write_merged(output, info, keys, sources, winners);
  return report;
}

}  // namespace ns
