#include "archive/record_tables.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "record/record_fields.hpp"

namespace ns {

// The runs table's row: one writing session's provenance. hosts and reused_from are stored as
// text, one entry per line; shard and task_id_scheme never change and are the file's attributes.
template <>
struct TextCodec<std::vector<std::string>> {
  static std::string text(const std::vector<std::string>& lines) {
    return fmt::format("{}", fmt::join(lines, "\n"));
  }
  static std::optional<std::vector<std::string>> parse(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t from = 0;
    while (from < text.size()) {
      const std::size_t end = std::min(text.find('\n', from), text.size());
      lines.emplace_back(text.substr(from, end - from));
      from = end + 1;
    }
    return lines;
  }
  static std::string expected() { return "lines of text"; }
};

template <>
struct Fields<ArchiveInfo> {
  template <class V, class I>
  static void visit(V& v, I& info) {
    v.value("study_name", info.study_name);
    v.value("study_file", info.study_file);
    v.value("study_hash", info.study_hash);
    v.value("study_text", info.study_text);
    v.value("program_version", info.program_version);
    v.value("git_commit", info.git_commit);
    v.value("git_dirty", info.git_dirty);
    v.value("compiler", info.compiler);
    v.value("eigen_version", info.eigen_version);
    v.value("hdf5_version", info.hdf5_version);
    v.value("mpi_version", info.mpi_version);
    v.value("numeric_build", info.numeric_build);
    v.value("hosts", info.hosts);
    v.value("started", info.started);
    v.value("finished", info.finished);
    v.value("ranks", info.ranks);
    v.value("reused_from", info.reused_from);
  }
};

namespace {

using h5::ColumnSpec;
using h5::ColumnType;
constexpr ColumnType kText = ColumnType::Text, kInt = ColumnType::Int64, kUInt = ColumnType::UInt64,
                     kF64 = ColumnType::Float64, kF32 = ColumnType::Float32;
constexpr const char* kTaskRow = "task_row";

template <class T>
constexpr ColumnType value_column_type() {
  switch (value_kind<T>()) {
    case ValueKind::Text:
    case ValueKind::Coded:
      return kText;
    case ValueKind::Int:
    case ValueKind::Bool:
      return kInt;
    case ValueKind::UInt:
      return kUInt;
    case ValueKind::Float:
      return kF64;
  }
  return kText;
}

template <class Element>
constexpr ColumnType array_column_type() {
  if constexpr (std::is_same_v<Element, double>)
    return kF64;
  else if constexpr (std::is_same_v<Element, float>)
    return kF32;
  else
    return kInt;
}

template <class T>
std::vector<T>& typed(h5::ColumnValues& v, const std::string& column) {
  if (auto* values = std::get_if<std::vector<T>>(&v.values)) return *values;
  throw Error(fmt::format("archive table column '{}' holds another type", column));
}

template <class T>
std::vector<T>& values_of(Rows& rows, const std::string& column) {
  if constexpr (std::is_same_v<T, double>)
    return rows.float64(column);
  else if constexpr (std::is_same_v<T, float>)
    return rows.float32(column);
  else
    return rows.int64(column);
}

[[noreturn]] void malformed(const std::string& file, const std::string& table,
                            const std::string& what) {
  throw ArchiveError(file, "/" + table, what);
}

// ----- the tables' declarations -----

class TableDeclarer {
 public:
  static constexpr bool kReads = false;
  TableDeclarer(std::vector<TableDecl>& tables, std::string table, std::string prefix = "")
      : tables_(tables), table_(std::move(table)), prefix_(std::move(prefix)) {}

  template <class T>
  void value(const char* name, const T&) {
    add({prefix_ + name, value_column_type<T>()});
  }
  template <class A>
  void array(const char* name, const A&) {
    add({prefix_ + name, array_column_type<std::remove_cvref_t<decltype(A{}[0])>>(), true});
  }
  void matrix(const char* name, const char* rows, const char* cols, const Eigen::MatrixXf&) {
    add({prefix_ + rows, kInt});
    add({prefix_ + cols, kInt});
    add({prefix_ + name, kF32, true});
  }
  template <class S>
  void group(const char* prefix, const S& s) {
    TableDeclarer inner(tables_, table_, prefix_ + prefix + "_");
    Fields<S>::visit(inner, s);
  }
  template <class S>
  void rows(const char* table, const std::vector<S>&, const char* ordinal) {
    child<S>(table, ordinal);
  }
  template <class S>
  void optional_row(const char* table, const std::optional<S>&) {
    child<S>(table, nullptr);
  }
  template <class G>
  void derived(const char* name, G&&) {
    add({prefix_ + name, value_column_type<std::invoke_result_t<G>>()});
  }

 private:
  TableDecl& decl(const std::string& table) {
    for (TableDecl& t : tables_)
      if (t.name == table) return t;
    return tables_.emplace_back(TableDecl{table, {}});
  }
  void add(ColumnSpec column) { decl(table_).columns.push_back(std::move(column)); }
  template <class S>
  void child(const char* table, const char* ordinal) {
    TableDecl& t = decl(table);
    if (!t.columns.empty()) throw Error(fmt::format("table {} is declared twice", table));
    t.columns.push_back({kTaskRow, kInt});
    if (ordinal) t.columns.push_back({ordinal, kInt});
    TableDeclarer inner(tables_, table);
    const S element{};
    Fields<S>::visit(inner, element);
  }

  std::vector<TableDecl>& tables_;
  std::string table_, prefix_;
};

template <class S>
void declare(std::vector<TableDecl>& tables, const std::string& table) {
  TableDeclarer declarer(tables, table);
  const S empty{};
  Fields<S>::visit(declarer, empty);
}

// ----- records to rows -----

class RowWriter {
 public:
  static constexpr bool kReads = false;
  RowWriter(TableRows& tables, Rows& rows, std::int64_t task_row, std::string prefix = "")
      : tables_(tables), rows_(rows), task_row_(task_row), prefix_(std::move(prefix)) {}

  template <class T>
  void value(const char* name, const T& x) {
    const std::string column = prefix_ + name;
    constexpr ValueKind kind = value_kind<T>();
    if constexpr (kind == ValueKind::Text)
      rows_.text(column).push_back(x);
    else if constexpr (kind == ValueKind::Coded)
      rows_.text(column).push_back(TextCodec<T>::text(x));
    else if constexpr (kind == ValueKind::Bool)
      rows_.int64(column).push_back(x ? 1 : 0);
    else if constexpr (kind == ValueKind::Int)
      rows_.int64(column).push_back(x);
    else if constexpr (kind == ValueKind::UInt)
      rows_.uint64(column).push_back(x);
    else
      rows_.float64(column).push_back(x);
  }
  template <class A>
  void array(const char* name, const A& a) {
    const std::string column = prefix_ + name;
    using Element = std::remove_cvref_t<decltype(a[0])>;
    std::vector<Element>& values = values_of<Element>(rows_, column);
    values.insert(values.end(), a.data(), a.data() + a.size());
    rows_.lengths(column).push_back(static_cast<std::uint64_t>(a.size()));
  }
  void matrix(const char* name, const char* rows, const char* cols, const Eigen::MatrixXf& m) {
    rows_.int64(prefix_ + rows).push_back(m.rows());
    rows_.int64(prefix_ + cols).push_back(m.cols());
    const Eigen::Matrix<float, -1, -1, Eigen::RowMajor> by_rows = m;
    array(name, Eigen::Map<const Eigen::VectorXf>(by_rows.data(), by_rows.size()));
  }
  template <class S>
  void group(const char* prefix, const S& s) {
    RowWriter inner(tables_, rows_, task_row_, prefix_ + prefix + "_");
    Fields<S>::visit(inner, s);
  }
  template <class S>
  void rows(const char* table, const std::vector<S>& elements, const char* ordinal) {
    Rows& child = tables_.at(table);
    for (std::size_t i = 0; i < elements.size(); ++i) {
      child.int64(kTaskRow).push_back(task_row_);
      if (ordinal) child.int64(ordinal).push_back(std::int64_t(i));
      RowWriter inner(tables_, child, task_row_);
      Fields<S>::visit(inner, elements[i]);
    }
  }
  template <class S>
  void optional_row(const char* table, const std::optional<S>& element) {
    if (!element) return;
    Rows& child = tables_.at(table);
    child.int64(kTaskRow).push_back(task_row_);
    RowWriter inner(tables_, child, task_row_);
    Fields<S>::visit(inner, *element);
  }
  template <class G>
  void derived(const char* name, G&& g) {
    value(name, g());
  }

 private:
  TableRows& tables_;
  Rows& rows_;
  std::int64_t task_row_;
  std::string prefix_;
};

// The child tables a record reaches.
class TableUse {
 public:
  static constexpr bool kReads = false;
  explicit TableUse(std::set<std::string>& used) : used_(used) {}
  template <class T>
  void value(const char*, const T&) {}
  template <class A>
  void array(const char*, const A&) {}
  void matrix(const char*, const char*, const char*, const Eigen::MatrixXf&) {}
  template <class S>
  void group(const char*, const S&) {}
  template <class S>
  void rows(const char* table, const std::vector<S>& elements, const char*) {
    if (!elements.empty()) used_.insert(table);
    for (const S& s : elements) Fields<S>::visit(*this, s);
  }
  template <class S>
  void optional_row(const char* table, const std::optional<S>& element) {
    if (!element) return;
    used_.insert(table);
    Fields<S>::visit(*this, *element);
  }
  template <class G>
  void derived(const char*, G&&) {}

 private:
  std::set<std::string>& used_;
};

// ----- rows to records -----

// The rows being read, and which rows of each child table belong to which task row.
class RowSource {
 public:
  RowSource(std::string file, TableRows& tables, std::int64_t first_task_row, std::size_t tasks)
      : file_(std::move(file)), tables_(tables) {
    for (auto& [name, rows] : tables_) {
      if (name == "tasks" || name == kRunsTable || rows.size() == 0) continue;
      const std::vector<std::int64_t>& owners = rows.int64(kTaskRow);
      if (!std::is_sorted(owners.begin(), owners.end()))
        malformed(file_, name, "rows are not in the order of their tasks");
      const std::int64_t last = first_task_row + std::int64_t(tasks) - 1;
      if (owners.front() < first_task_row || owners.back() > last)
        malformed(file_, name,
                  fmt::format("a row belongs to task row {}, not one of rows {}..{}",
                              owners.front() < first_task_row ? owners.front() : owners.back(),
                              first_task_row, last));
    }
  }
  const std::string& file() const { return file_; }
  Rows& table(const std::string& name) { return tables_.at(name); }
  // The rows of child table `name` that belong to task row `task_row`: [first, second).
  std::pair<std::size_t, std::size_t> owned(const std::string& name, std::int64_t task_row) {
    Rows& rows = table(name);
    if (rows.size() == 0) return {0, 0};
    const std::vector<std::int64_t>& owners = rows.int64(kTaskRow);
    const auto range = std::equal_range(owners.begin(), owners.end(), task_row);
    return {std::size_t(range.first - owners.begin()), std::size_t(range.second - owners.begin())};
  }

 private:
  std::string file_;
  TableRows& tables_;
};

class RowReader {
 public:
  static constexpr bool kReads = true;
  RowReader(RowSource& source, std::string table, std::size_t row, std::int64_t task_row,
            std::string prefix = "")
      : source_(source),
        table_(std::move(table)),
        rows_(source.table(table_)),
        row_(row),
        task_row_(task_row),
        prefix_(std::move(prefix)) {}

  template <class T>
  void value(const char* name, T& x) {
    const std::string column = prefix_ + name;
    constexpr ValueKind kind = value_kind<T>();
    if constexpr (kind == ValueKind::Text) {
      x = rows_.text(column)[row_];
    } else if constexpr (kind == ValueKind::Coded) {
      const std::string& text = rows_.text(column)[row_];
      std::optional<T> parsed = TextCodec<T>::parse(text);
      if (!parsed)
        fail(fmt::format("unknown {} '{}' (expected {})", column, text, TextCodec<T>::expected()));
      x = std::move(*parsed);
    } else if constexpr (kind == ValueKind::Bool) {
      x = rows_.int64(column)[row_] != 0;
    } else if constexpr (kind == ValueKind::Int) {
      const std::int64_t v = rows_.int64(column)[row_];
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
        fail(fmt::format("'{}' = {} is out of range", column, v));
      x = static_cast<T>(v);
    } else if constexpr (kind == ValueKind::UInt) {
      x = rows_.uint64(column)[row_];
    } else {
      x = rows_.float64(column)[row_];
    }
  }
  template <class A>
  void array(const char* name, A& a) {
    const std::string column = prefix_ + name;
    using Element = std::remove_cvref_t<decltype(a[0])>;
    const std::vector<Element>& values = values_of<Element>(rows_, column);
    const auto [first, end] = rows_.span(column, row_);
    if (end > values.size())
      fail(fmt::format("'{}' ends at {}, past its {} values", column, end, values.size()));
    if constexpr (std::is_same_v<A, Eigen::VectorXf>)
      a = Eigen::Map<const Eigen::VectorXf>(values.data() + first, Eigen::Index(end - first));
    else
      a.assign(values.begin() + std::ptrdiff_t(first), values.begin() + std::ptrdiff_t(end));
  }
  void matrix(const char* name, const char* rows, const char* cols, Eigen::MatrixXf& m) {
    const std::int64_t r = rows_.int64(prefix_ + rows)[row_], c = rows_.int64(prefix_ + cols)[row_];
    Eigen::VectorXf values;
    array(name, values);
    if (r < 0 || c < 0 || values.size() != r * c)
      fail(fmt::format("a {} x {} matrix {} with {} values", r, c, name, values.size()));
    m = Eigen::Map<const Eigen::Matrix<float, -1, -1, Eigen::RowMajor>>(values.data(), r, c);
  }
  template <class S>
  void group(const char* prefix, S& s) {
    RowReader inner(source_, table_, row_, task_row_, prefix_ + prefix + "_");
    Fields<S>::visit(inner, s);
  }
  template <class S>
  void rows(const char* table, std::vector<S>& elements, const char* ordinal) {
    const auto [first, end] = source_.owned(table, task_row_);
    elements.resize(end - first);
    for (std::size_t i = 0; i < elements.size(); ++i) {
      RowReader inner(source_, table, first + i, task_row_);
      if (ordinal && inner.rows_.int64(ordinal)[first + i] != std::int64_t(i))
        inner.fail(fmt::format("rows of task row {} are out of order", task_row_));
      Fields<S>::visit(inner, elements[i]);
    }
  }
  template <class S>
  void optional_row(const char* table, std::optional<S>& element) {
    const auto [first, end] = source_.owned(table, task_row_);
    element.reset();
    if (end - first > 1)
      malformed(source_.file(), table,
                fmt::format("task row {} has {} rows, not at most one", task_row_, end - first));
    if (end == first) return;
    RowReader inner(source_, table, first, task_row_);
    Fields<S>::visit(inner, element.emplace());
  }
  template <class G>
  void derived(const char*, G&&) {}

 private:
  [[noreturn]] void fail(const std::string& what) const {
    malformed(source_.file(), table_, fmt::format("row {}: {}", row_, what));
  }

  RowSource& source_;
  std::string table_;
  Rows& rows_;
  std::size_t row_;
  std::int64_t task_row_;
  std::string prefix_;
};

void check_record(const TaskRecord& r) {
  if (r.id.empty()) throw Error("a task record without an id cannot be archived");
  if (const std::string problem = record_problem(r); !problem.empty())
    throw Error(fmt::format("task {}: {}", r.id, problem));
  if (r.weights) check_layer_shapes("", "task " + r.id + " weights", r.weights->layers);
}

}  // namespace

std::vector<TableDecl> archive_tables(const std::vector<std::string>& axis_keys) {
  std::vector<TableDecl> tables;
  declare<TaskRecord>(tables, "tasks");
  for (const std::string& key : axis_keys)
    tables.front().columns.push_back({kAxisPrefix + key, kText});
  declare<ArchiveInfo>(tables, kRunsTable);
  return tables;
}

// ===== Rows =====

Rows::Rows(const std::vector<h5::ColumnSpec>& columns) : columns_(columns), ends_(columns.size()) {
  for (const ColumnSpec& c : columns_) {
    h5::ColumnValues& v = values_.emplace_back();
    switch (c.type) {
      case kText:
        v.values = std::vector<std::string>{};
        break;
      case kInt:
        v.values = std::vector<std::int64_t>{};
        break;
      case kUInt:
        v.values = std::vector<std::uint64_t>{};
        break;
      case kF64:
        v.values = std::vector<double>{};
        break;
      case kF32:
        v.values = std::vector<float>{};
        break;
    }
  }
}

Rows::Rows(const std::vector<h5::ColumnSpec>& columns, std::vector<h5::ColumnValues> values)
    : columns_(columns), values_(std::move(values)), ends_(columns.size()) {}

std::size_t Rows::index_of(const std::string& column) {
  for (std::size_t k = 0; k < columns_.size(); ++k) {
    const std::size_t i = (next_ + k) % columns_.size();
    if (columns_[i].name != column) continue;
    next_ = i + 1;
    return i;
  }
  throw Error(fmt::format("archive table has no column '{}'", column));
}

h5::ColumnValues& Rows::at(const std::string& column, h5::ColumnType type) {
  const std::size_t i = index_of(column);
  if (columns_[i].type != type)
    throw Error(fmt::format("archive table column '{}' holds another type", column));
  return values_[i];
}

std::vector<std::string>& Rows::text(const std::string& c) {
  return typed<std::string>(at(c, kText), c);
}
std::vector<std::int64_t>& Rows::int64(const std::string& c) {
  return typed<std::int64_t>(at(c, kInt), c);
}
std::vector<std::uint64_t>& Rows::uint64(const std::string& c) {
  return typed<std::uint64_t>(at(c, kUInt), c);
}
std::vector<double>& Rows::float64(const std::string& c) {
  return typed<double>(at(c, kF64), c);
}
std::vector<float>& Rows::float32(const std::string& c) {
  return typed<float>(at(c, kF32), c);
}

std::vector<std::uint64_t>& Rows::lengths(const std::string& column) {
  const std::size_t i = index_of(column);
  if (!columns_[i].ragged)
    throw Error(fmt::format("archive table column '{}' is not ragged", column));
  return values_[i].lengths;
}

std::pair<std::size_t, std::size_t> Rows::span(const std::string& column, std::size_t row) {
  const std::vector<std::uint64_t>& lengths = this->lengths(column);
  std::vector<std::uint64_t>& ends = ends_.at(index_of(column));
  if (ends.size() != lengths.size()) {
    ends.resize(lengths.size());
    std::uint64_t end = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) ends[i] = end += lengths[i];
  }
  return {row == 0 ? 0 : ends.at(row - 1), ends.at(row)};
}

std::size_t Rows::size() const {
  return columns_.empty() ? 0 : values_[0].rows(columns_[0].ragged);
}

// ===== records to rows =====

TableRows record_rows(const std::vector<const TaskRecord*>& records, const StudyAxes& axes,
                      std::int64_t first_task_row) {
  TableRows out;
  for (const TableDecl& t : archive_tables(axes.keys))
    if (t.name != kRunsTable) out.emplace(t.name, Rows(t.columns));
  Rows& tasks = out.at("tasks");
  std::int64_t row = first_task_row;
  for (const TaskRecord* record : records) {
    check_record(*record);
    RowWriter writer(out, tasks, row++);
    Fields<TaskRecord>::visit(writer, *record);
    const auto found = axes.by_task.find(record->id);
    for (const std::string& key : axes.keys) {
      std::string value;
      if (found != axes.by_task.end())
        for (const auto& [k, v] : found->second)
          if (k == key) value = v;
      tasks.text(kAxisPrefix + key).push_back(value);
    }
  }
  return out;
}

std::set<std::string> child_tables_used(const std::vector<const TaskRecord*>& records) {
  std::set<std::string> used;
  TableUse use(used);
  for (const TaskRecord* r : records) Fields<TaskRecord>::visit(use, *r);
  return used;
}

// ===== rows to records =====

StoredRecords records_from_rows(const std::string& file, TableRows& rows,
                                const std::vector<std::string>& axis_keys,
                                std::int64_t first_task_row) {
  StoredRecords out;
  Rows& tasks = rows.at("tasks");
  const std::size_t n = tasks.size();
  RowSource source(file, rows, first_task_row, n);
  out.records.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    TaskRecord& r = out.records[i];
    RowReader reader(source, "tasks", i, first_task_row + std::int64_t(i));
    Fields<TaskRecord>::visit(reader, r);
    AxisValues& axes = out.axes[r.id];
    axes.clear();
    for (const std::string& key : axis_keys) {
      const std::string& value = tasks.text(kAxisPrefix + key)[i];
      if (!value.empty()) axes.emplace_back(key, value);
    }
    if (const std::string problem = record_problem(r); !problem.empty())
      malformed(file, "tasks", fmt::format("row {}: task {}: {}", i, r.id, problem));
    if (r.weights) check_layer_shapes(file, "/weights", r.weights->layers);
  }
  return out;
}

// ===== runs =====

TableDecl runs_table() {
  for (TableDecl& t : archive_tables({}))
    if (t.name == kRunsTable) return std::move(t);
  throw Error("the archive's tables declare no runs table");
}

Rows run_row(const ArchiveInfo& info) {
  Rows row(runs_table().columns);
  TableRows no_children;
  RowWriter writer(no_children, row, 0);
  Fields<ArchiveInfo>::visit(writer, info);
  return row;
}

ArchiveInfo info_from_runs(const std::string& file, Rows& runs) {
  const std::size_t n = runs.size();
  if (n == 0) malformed(file, kRunsTable, "no run has written this archive");
  TableRows tables;
  tables.emplace(kRunsTable, runs);
  RowSource source(file, tables, 0, 0);
  // The last run's study and program; every run's hosts and reuse sources, the earliest start,
  // the latest finish, the most ranks, and whether any ran from a modified source tree.
  ArchiveInfo info;
  for (std::size_t i = 0; i < n; ++i) {
    ArchiveInfo run;
    RowReader reader(source, kRunsTable, i, 0);
    Fields<ArchiveInfo>::visit(reader, run);
    const bool dirty = info.git_dirty || run.git_dirty;
    const double started = i == 0 ? run.started : std::min(info.started, run.started);
    const double finished = std::max(info.finished, run.finished);
    const int ranks = std::max(info.ranks, run.ranks);
    std::vector<std::string> hosts = std::move(info.hosts), sources = std::move(info.reused_from);
    for (std::string& host : run.hosts)
      if (std::find(hosts.begin(), hosts.end(), host) == hosts.end())
        hosts.push_back(std::move(host));
    for (std::string& s : run.reused_from)
      if (std::find(sources.begin(), sources.end(), s) == sources.end())
        sources.push_back(std::move(s));
    info = std::move(run);
    info.git_dirty = dirty;
    info.started = started;
    info.finished = finished;
    info.ranks = ranks;
    info.hosts = std::move(hosts);
    info.reused_from = std::move(sources);
  }
  return info;
}

}  // namespace ns
