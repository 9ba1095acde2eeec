#include "archive/table_file.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fcntl.h>

#include <fmt/format.h>

#include "archive/provenance.hpp"
#include "archive/record_tables.hpp"
#include "core/error.hpp"
#include "io/posix_file.hpp"
#include "study/task_id.hpp"

namespace ns {
namespace {

constexpr const char* kSequence = "sequence";

std::vector<std::string> table_names(const std::vector<TableDecl>& tables) {
  std::vector<std::string> names;
  for (const TableDecl& t : tables) names.push_back(t.name);
  return names;
}

// /commits: one row per commit, a column per table holding its row count, then `sequence`
// (the commit's number, from 1), written last: a row counts only if its sequence is its
// position + 1, so a row that a crash cut short (its sequence still the fill value 0) does not.
std::vector<h5::ColumnSpec> commit_columns(const std::vector<std::string>& tables) {
  std::vector<h5::ColumnSpec> columns;
  for (const std::string& t : tables) columns.push_back({t, h5::ColumnType::UInt64});
  columns.push_back({kSequence, h5::ColumnType::UInt64});
  return columns;
}

struct Commit {
  std::uint64_t sequence = 0;           // 0: nothing committed yet
  std::map<std::string, hsize_t> rows;  // by table
};

Commit last_commit(const h5::Group& root, const std::vector<std::string>& tables) {
  const hsize_t stored = h5::Table::stored_rows(root, kCommitsTable);
  const h5::Table commits = h5::Table::open(root, kCommitsTable, stored);
  const auto sequence = std::get<std::vector<std::uint64_t>>(commits.read(kSequence).values);
  Commit commit;
  for (std::size_t i = sequence.size(); i-- > 0;) {
    if (sequence[i] != i + 1) continue;
    commit.sequence = sequence[i];
    for (const std::string& t : tables)
      commit.rows[t] = std::get<std::vector<std::uint64_t>>(commits.read(t, i, 1).values)[0];
    break;
  }
  if (commit.sequence == 0)
    for (const std::string& t : tables) commit.rows[t] = 0;
  return commit;
}

void check_version(const h5::Group& root) {
  const std::int64_t version = root.get_attr_int64("format_version");
  if (version != kTablesFormatVersion)
    throw ArchiveError(root.file_path(), "/",
                       fmt::format("format_version {} is not the appendable format {}", version,
                                   kTablesFormatVersion));
}

// Every committed row of a declared table, in the declaration's column order (columns a later
// release may add are not read).
Rows read_rows(const h5::Group& root, const TableDecl& decl, hsize_t rows) {
  const h5::Table table = h5::Table::open(root, decl.name, rows);
  std::vector<h5::ColumnValues> values;
  for (const h5::ColumnSpec& c : decl.columns) values.push_back(table.read(c.name));
  return Rows(decl.columns, std::move(values));
}

ArchiveInfo static_info(const h5::Group& root) {
  ArchiveInfo info;
  info.shard = root.get_attr_string("shard");
  info.task_id_scheme = static_cast<int>(root.get_attr_int64("task_id_scheme"));
  check_task_id_scheme(root, info.task_id_scheme);
  return info;
}

ArchiveInfo runs_info(const h5::Group& root, const Commit& commit) {
  Rows runs = read_rows(root, runs_table(), commit.rows.at(kRunsTable));
  ArchiveInfo info = info_from_runs(root.file_path(), runs);
  const ArchiveInfo fixed = static_info(root);
  info.shard = fixed.shard;
  info.task_id_scheme = fixed.task_id_scheme;
  return info;
}

}  // namespace

void create_archive_file(const std::string& path, const ArchiveInfo& info,
                         const std::vector<std::string>& axis_keys) {
  const std::vector<TableDecl> tables = archive_tables(axis_keys);
  // HDF5's in-memory driver gives a file image whose superblock the appendable format refuses,
  // so the file is made in memory-backed scratch space.
  const posix::ScratchFile scratch;
  h5::File file = h5::File::create_appendable(scratch.path());
  {
    h5::Group root = file.root();
    root.set_attr("format", kArchiveFormat);
    root.set_attr("format_version", kTablesFormatVersion);
    root.set_attr("shard", info.shard);
    root.set_attr("task_id_scheme", info.task_id_scheme);
    root.set_attr("axis_keys", axis_keys);
    for (const TableDecl& t : tables) h5::Table::create(root, t.name, t.columns);
    h5::Table::create(root, kCommitsTable, commit_columns(table_names(tables)));
  }
  file.close();
  posix::write_file_atomically(path,
                               posix::FileDescriptor::open(scratch.path(), O_RDONLY).read_all());
}

void write_new_archive(const std::string& path, const ArchiveInfo& info,
                       const std::vector<std::string>& axis_keys,
                       const std::function<void(const std::string& temporary)>& fill,
                       const std::function<void(const std::string& temporary)>& verify) {
  const std::string temporary = posix::unique_temp_path(path);
  try {
    create_archive_file(temporary, info, axis_keys);
    fill(temporary);
    verify(temporary);
    posix::replace_file(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

namespace {

h5::File reserve_and_open(const std::string& path, std::uint64_t reserve_bytes) {
  if (reserve_bytes > 0) posix::reserve_space(path, reserve_bytes);
  return h5::File::open_append(path);
}

}  // namespace

std::uint64_t append_reservation(const std::vector<std::string>& axis_keys,
                                 const std::vector<const TaskRecord*>& records) {
  constexpr std::uint64_t kHeapsAndIndexes = std::uint64_t{32} << 10;
  std::uint64_t bytes = kHeapsAndIndexes;
  std::set<std::string> growing = child_tables_used(records);
  growing.insert(kRunsTable);
  if (!records.empty()) growing.insert("tasks");
  for (const TaskRecord* r : records) bytes += 2 * approximate_bytes(*r);
  const std::vector<TableDecl> tables = archive_tables(axis_keys);
  for (const TableDecl& t : tables)
    if (growing.count(t.name)) bytes += h5::Table::chunk_bytes(t.columns);
  return bytes + h5::Table::chunk_bytes(commit_columns(table_names(tables)));
}

ArchiveAppender::ArchiveAppender(const std::string& path, std::uint64_t reserve_bytes)
    : file_(reserve_and_open(path, reserve_bytes)) {
  const h5::Group root = file_.root();
  check_version(root);
  if (root.get_attr_int64("task_id_scheme") != kTaskIdScheme)
    throw ArchiveError(path, "/",
                       fmt::format("names its tasks by id scheme {}, not {}: it must be "
                                   "rewritten before tasks are added",
                                   root.get_attr_int64("task_id_scheme"), kTaskIdScheme));
  axis_keys_ = root.get_attr_strings("axis_keys");
  const std::vector<TableDecl> tables = archive_tables(axis_keys_);
  order_ = table_names(tables);
  const Commit commit = last_commit(root, order_);
  sequence_ = commit.sequence;
  for (const TableDecl& t : tables)
    tables_.emplace(t.name, h5::Table::open(root, t.name, commit.rows.at(t.name)));
}

std::int64_t ArchiveAppender::task_rows() const {
  return static_cast<std::int64_t>(tables_.at("tasks").rows());
}

void ArchiveAppender::append(const std::vector<const TaskRecord*>& records, const StudyAxes& axes) {
  if (axes.keys != axis_keys_)
    throw Error(fmt::format("{}: the study's swept keys [{}] are not the archive's [{}]", path(),
                            fmt::join(axes.keys, ", "), fmt::join(axis_keys_, ", ")));
  const TableRows rows = record_rows(records, axes, task_rows());
  for (const auto& [name, table_rows] : rows) tables_.at(name).append(table_rows.values());
}

void ArchiveAppender::begin_run(const ArchiveInfo& info) {
  tables_.at(kRunsTable).append(run_row(info).values());
}

void ArchiveAppender::update_run(const ArchiveInfo& info) {
  h5::Table& runs = tables_.at(kRunsTable);
  if (runs.rows() == 0) throw Error(fmt::format("{}: no run to update", path()));
  Rows row = run_row(info);
  const hsize_t last = runs.rows() - 1;
  for (const char* column : {"hosts", "finished", "ranks", "reused_from"}) {
    for (std::size_t c = 0; c < runs.columns().size(); ++c)
      if (runs.columns()[c].name == column) runs.overwrite(last, column, row.values()[c]);
  }
}

void ArchiveAppender::commit() {
  file_.sync();
  h5::Table commits = h5::Table::open(file_.root(), kCommitsTable, sequence_);
  std::vector<h5::ColumnValues> row;
  for (const std::string& t : order_)
    row.push_back({std::vector<std::uint64_t>{tables_.at(t).rows()}, {}});
  row.push_back({std::vector<std::uint64_t>{sequence_ + 1}, {}});
  commits.append(row);
  file_.sync();
  ++sequence_;
}

ArchiveContents read_table_file(const h5::Group& root) {
  check_version(root);
  ArchiveContents contents;
  contents.axes.keys = root.get_attr_strings("axis_keys");
  const std::vector<TableDecl> tables = archive_tables(contents.axes.keys);
  const Commit commit = last_commit(root, table_names(tables));
  contents.info = runs_info(root, commit);
  TableRows rows;
  for (const TableDecl& t : tables)
    if (t.name != kRunsTable) rows.emplace(t.name, read_rows(root, t, commit.rows.at(t.name)));
  StoredRecords stored = records_from_rows(root.file_path(), rows, contents.axes.keys, 0);
  contents.records = std::move(stored.records);
  contents.axes.by_task = std::move(stored.axes);
  return contents;
}

ArchiveInfo read_table_file_info(const h5::Group& root) {
  check_version(root);
  const std::vector<std::string> keys = root.get_attr_strings("axis_keys");
  return runs_info(root, last_commit(root, table_names(archive_tables(keys))));
}

std::vector<TaskHeader> read_task_headers(const h5::Group& root) {
  check_version(root);
  const std::vector<TableDecl> tables = archive_tables(root.get_attr_strings("axis_keys"));
  const Commit commit = last_commit(root, table_names(tables));
  const h5::Table tasks = h5::Table::open(root, "tasks", commit.rows.at("tasks"));
  const auto text = [&](const char* column) {
    return std::get<std::vector<std::string>>(tasks.read(column).values);
  };
  const std::vector<std::string> ids = text("id"), status = text("status"), build = text("build"),
                                 host = text("host");
  const auto index = std::get<std::vector<std::int64_t>>(tasks.read("index").values);
  const auto finished = std::get<std::vector<double>>(tasks.read("finished").values);
  const h5::Table models = h5::Table::open(root, "models", commit.rows.at("models"));
  const auto with_weights = std::get<std::vector<std::int64_t>>(models.read("task_row").values);
  std::vector<TaskHeader> headers(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    TaskHeader& h = headers[i];
    h.row = std::int64_t(i);
    h.id = ids[i];
    h.index = static_cast<int>(index[i]);
    try {
      h.status = parse_task_status(status[i]);
    } catch (const Error& e) {
      throw ArchiveError(root.file_path(), "/tasks", fmt::format("row {}: {}", i, e.what()));
    }
    h.build = build[i];
    h.host = host[i];
    h.finished = finished[i];
  }
  for (std::int64_t row : with_weights)
    if (row >= 0 && std::size_t(row) < headers.size()) headers[std::size_t(row)].has_weights = true;
  return headers;
}

TableReader::TableReader(const std::string& path, const std::set<std::string>& only)
    : file_(h5::File::open_read(path)) {
  const h5::Group root = file_.root();
  check_version(root);
  axis_keys_ = root.get_attr_strings("axis_keys");
  const std::vector<TableDecl> tables = archive_tables(axis_keys_);
  committed_ = last_commit(root, table_names(tables)).rows;
  for (const TableDecl& t : tables) {
    if (t.name == "tasks" || t.name == kRunsTable || (!only.empty() && !only.count(t.name)))
      continue;
    const h5::Table table = h5::Table::open(root, t.name, committed_.at(t.name));
    auto owners = std::get<std::vector<std::int64_t>>(table.read("task_row").values);
    if (!std::is_sorted(owners.begin(), owners.end()))
      throw ArchiveError(path, "/" + t.name, "rows are not in the order of their tasks");
    owners_.emplace(t.name, std::move(owners));
  }
}

std::int64_t TableReader::task_rows() const {
  return std::int64_t(committed_.at("tasks"));
}

StoredRecords TableReader::read(std::int64_t first, std::int64_t count) const {
  const h5::Group root = file_.root();
  TableRows rows;
  for (const TableDecl& t : archive_tables(axis_keys_)) {
    if (t.name == kRunsTable) continue;
    hsize_t from = hsize_t(first), n = hsize_t(count);
    if (t.name != "tasks") {  // the child rows of those tasks: one run, found by task_row
      const auto read = owners_.find(t.name);
      if (read == owners_.end()) {  // a table the reader was not asked for: left empty
        rows.emplace(t.name, Rows(t.columns));
        continue;
      }
      const std::vector<std::int64_t>& owners = read->second;
      const auto begin = std::lower_bound(owners.begin(), owners.end(), first);
      const auto end = std::lower_bound(begin, owners.end(), first + count);
      from = hsize_t(begin - owners.begin());
      n = hsize_t(end - begin);
    }
    const h5::Table table = h5::Table::open(root, t.name, committed_.at(t.name));
    std::vector<h5::ColumnValues> values;
    for (const h5::ColumnSpec& c : t.columns) values.push_back(table.read(c.name, from, n));
    rows.emplace(t.name, Rows(t.columns, std::move(values)));
  }
  return records_from_rows(file_.path(), rows, axis_keys_, first);
}

ModelWeights TableReader::weights(std::int64_t row) const {
  StoredRecords stored = read(row, 1);
  TaskRecord& r = stored.records.at(0);
  if (!r.weights)
    throw ArchiveError(file_.path(), "/models",
                       fmt::format("task {} (row {}) has no stored weights", r.id, row));
  return std::move(*r.weights);
}

}  // namespace ns
