#pragma once
// Task records as rows of the archive's tables (format 3, archive.hpp), and back. The tables and
// their columns follow from the record's field declarations (record/record_fields.hpp) through
// visitors; the runs table from ArchiveInfo's, declared here.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "io/h5_table.hpp"

namespace ns {

struct TableDecl {
  std::string name;
  std::vector<h5::ColumnSpec> columns;
};

// Every table of the archive in the order a checkpoint writes them; the task table has one
// text column "axis:KEY" per swept key. "runs" (one row per writing session) is not a task
// table and comes last.
std::vector<TableDecl> archive_tables(const std::vector<std::string>& axis_keys);
inline constexpr const char* kRunsTable = "runs";
inline constexpr const char* kAxisPrefix = "axis:";

// The values of some rows of one table, by column name, in the declaration's column order.
class Rows {
 public:
  explicit Rows(const std::vector<h5::ColumnSpec>& columns);
  Rows(const std::vector<h5::ColumnSpec>& columns, std::vector<h5::ColumnValues> values);

  std::vector<std::string>& text(const std::string& column);
  std::vector<std::int64_t>& int64(const std::string& column);
  std::vector<std::uint64_t>& uint64(const std::string& column);
  std::vector<double>& float64(const std::string& column);
  std::vector<float>& float32(const std::string& column);
  std::vector<std::uint64_t>& lengths(const std::string& column);  // ragged columns: per row
  // Where row `row`'s values lie in the values of ragged column `column`: [first, second).
  std::pair<std::size_t, std::size_t> span(const std::string& column, std::size_t row);
  std::size_t size() const;  // rows

  const std::vector<h5::ColumnValues>& values() const { return values_; }

 private:
  std::size_t index_of(const std::string& column);
  h5::ColumnValues& at(const std::string& column, h5::ColumnType type);
  std::vector<h5::ColumnSpec> columns_;
  std::vector<h5::ColumnValues> values_;
  std::vector<std::vector<std::uint64_t>> ends_;  // per column: its rows' ends, once span() asks
  std::size_t next_ = 0;  // where index_of looks first: columns are mostly used in their order
};

using TableRows = std::map<std::string, Rows>;  // by table name

// The rows of `records`, whose first lands on row `first_task_row` of the task table (child
// rows point at their task's row). Throws Error for a record that no archive may hold (see
// write_archive).
TableRows record_rows(const std::vector<const TaskRecord*>& records, const StudyAxes& axes,
                      std::int64_t first_task_row);

// The child tables (every table but tasks and runs) that `records`' rows reach.
std::set<std::string> child_tables_used(const std::vector<const TaskRecord*>& records);

// The records and axis values that rows read from `file` hold, in task-table order, one per task
// row; the task rows start at row `first_task_row` of the table (child rows name task rows by
// their number in the whole table, in task order). Throws ArchiveError naming the file and table
// for rows that do not fit together.
struct StoredRecords {
  std::vector<TaskRecord> records;
  std::map<std::string, AxisValues> axes;  // by task id
};
StoredRecords records_from_rows(const std::string& file, TableRows& rows,
                                const std::vector<std::string>& axis_keys,
                                std::int64_t first_task_row);

// One row of the runs table, and the provenance that the rows of a whole runs table give: the
// last run's study and program, every run's hosts and reuse sources, the earliest start, the
// latest finish and the most ranks.
TableDecl runs_table();  // the declaration of archive_tables' runs table
Rows run_row(const ArchiveInfo& info);
ArchiveInfo info_from_runs(const std::string& file, Rows& runs);

}  // namespace ns
