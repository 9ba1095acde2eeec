#include "archive/archive.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "archive/provenance.hpp"
#include "archive/table_file.hpp"
#include "archive/task_group.hpp"
#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/posix_file.hpp"

namespace ns {
namespace {

// Caller errors that would otherwise produce a wrong archive rather than a failed write.
void check_records(const std::vector<TaskRecord>& records, const StudyAxes& axes) {
  std::set<std::string> ids;
  for (const TaskRecord& r : records) {
    if (!ids.insert(r.id).second)
      throw Error(fmt::format("two records of task {} given for one archive", r.id));
  }
  const std::set<std::string> keys(axes.keys.begin(), axes.keys.end());
  for (const auto& [id, values] : axes.by_task) {
    for (const auto& [key, value] : values) {
      if (!keys.count(key)) {
        throw Error(
            fmt::format("task {} has a value for '{}', which is not one of the study's "
                        "swept keys",
                        id, key));
      }
    }
  }
}

std::vector<const TaskRecord*> in_index_order(const std::vector<TaskRecord>& records) {
  std::vector<const TaskRecord*> ordered;
  for (const TaskRecord& r : records) ordered.push_back(&r);
  std::sort(ordered.begin(), ordered.end(), [](const TaskRecord* a, const TaskRecord* b) {
    return std::tie(a->index, a->id) < std::tie(b->index, b->id);
  });
  return ordered;
}

// Reads back what a reader of the archive relies on before it may replace anything: the
// provenance and one row per record. A write that HDF5 reported as done but that did not reach
// the file fails here.
void verify_file(const std::string& path, const ArchiveInfo& info, std::size_t records) {
  const ArchiveContents stored = read_archive(path);
  if (stored.info.study_hash != info.study_hash || stored.records.size() != records)
    throw ArchiveError(path, "/",
                       fmt::format("the file written does not read back: {} task records for {} "
                                   "(study {})",
                                   stored.records.size(), records, stored.info.study_hash));
}

// The task's axis values in the order of the archive's axis_keys (attributes come back in
// name order); values for keys missing there go last.
AxisValues in_key_order(AxisValues values, const std::vector<std::string>& keys) {
  const auto rank = [&](const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) - keys.begin();
  };
  std::stable_sort(values.begin(), values.end(),
                   [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  return values;
}

// Renames the tasks of an archive written by an earlier id scheme to their current ids, by the
// study the archive itself keeps.
void upgrade_ids(ArchiveContents& contents) {
  const Study study = parse_study_text(contents.info.study_text, contents.info.study_file);
  std::vector<std::string> old_ids;
  for (const TaskRecord& r : contents.records) old_ids.push_back(r.id);
  upgrade_task_ids(contents.records, study);
  for (std::size_t i = 0; i < old_ids.size(); ++i) {
    if (old_ids[i] == contents.records[i].id) continue;
    const auto axes = contents.axes.by_task.extract(old_ids[i]);
    if (!axes.empty()) contents.axes.by_task[contents.records[i].id] = axes.mapped();
  }
  contents.info.task_id_scheme = kTaskIdScheme;
}

}  // namespace

StudyAxes study_axes(const Study& study) {
  StudyAxes axes;
  axes.keys = study.axis_keys;
  for (const Task& task : study.tasks) axes.by_task[task.id] = task.axes;
  return axes;
}

StudyAxes study_axes(const Study& study, const std::vector<const TaskRecord*>& records) {
  StudyAxes axes;
  axes.keys = study.axis_keys;
  for (const TaskRecord* r : records)
    if (r->index >= 0 && std::size_t(r->index) < study.tasks.size())
      axes.by_task[r->id] = study.tasks[std::size_t(r->index)].axes;
  return axes;
}

void write_archive(const std::string& path, const ArchiveInfo& info,
                   const std::vector<TaskRecord>& records, const StudyAxes& axes) {
  check_records(records, axes);
  write_new_archive(
      path, info, axes.keys,
      [&](const std::string& temporary) {
        const std::vector<const TaskRecord*> ordered = in_index_order(records);
        ArchiveAppender appender(temporary, append_reservation(axes.keys, ordered));
        appender.begin_run(info);
        appender.append(ordered, axes);
        appender.commit();
      },
      [&](const std::string& temporary) { verify_file(temporary, info, records.size()); });
}

ArchiveContents read_archive(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  ArchiveContents contents;
  if (archive_format_version(root) == kArchiveFormatVersion) {
    contents = read_table_file(root);
  } else {
    contents.info = read_legacy_provenance(root);
    contents.axes.keys = root.get_attr_strings("axis_keys");
    const h5::Group tasks = root.group("tasks");
    for (const std::string& name : tasks.children()) {
      StoredTask stored = read_task_group(tasks.group(name));
      contents.axes.by_task[stored.record.id] =
          in_key_order(std::move(stored.axes), contents.axes.keys);
      contents.records.push_back(std::move(stored.record));
    }
  }
  contents.records = keep_one_per_task(std::move(contents.records));
  if (contents.info.task_id_scheme != kTaskIdScheme) upgrade_ids(contents);
  std::sort(contents.records.begin(), contents.records.end(),
            [](const TaskRecord& a, const TaskRecord& b) {
              return std::tie(a.index, a.id) < std::tie(b.index, b.id);
            });
  return contents;
}

ArchiveInfo read_archive_info(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  return archive_format_version(root) == kArchiveFormatVersion ? read_table_file_info(root)
                                                               : read_legacy_provenance(root);
}

namespace {

h5::Group appendable_root(const std::string& path, const h5::File& file) {
  h5::Group root = file.root();
  if (archive_format_version(root) != kArchiveFormatVersion)
    throw ArchiveError(path, "/", "a format 2 archive has no task table");
  return root;
}

}  // namespace

std::vector<TaskHeader> read_archive_headers(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  return read_task_headers(appendable_root(path, file));
}

ModelWeights read_archive_task_weights(const std::string& path, std::int64_t row) {
  return TableReader(path, {"models", "weights"}).weights(row);
}

std::vector<std::string> read_archive_axis_keys(const std::string& path) {
  return h5::File::open_read(path).root().get_attr_strings("axis_keys");
}

bool archive_has_current_tables(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  return archive_format_version(root) == kArchiveFormatVersion &&
         root.get_attr_int64("task_id_scheme") == kTaskIdScheme;
}

bool archive_needs_rewrite(const std::string& path) {
  return h5::File::left_open_by_writer(path) || !archive_has_current_tables(path);
}

std::vector<TaskRecord> read_archive_records(const std::string& path) {
  return read_archive(path).records;
}

}  // namespace ns
