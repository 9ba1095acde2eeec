#pragma once
// Column tables that grow in place: the storage of files that are appended to while readers
// may open them (HDF5's single-writer/multiple-reader mode, SWMR), and that a crash leaves
// readable.
//
// A table is a group of 1-D datasets, one per column, all with one entry per row, chunked and
// unlimited so that rows are appended where they are. A ragged column, a variable-length array
// per row, is two datasets: NAME holds every row's values one after another, and NAME_end
// (uint64, one per row) where each row's values end, so row i is NAME[end[i-1]:end[i]] with
// end[-1] = 0. The group's attribute `columns` lists the column names in order. Strings are
// variable-length UTF-8. In h5py:
//     t = f["tasks"]; ids = t["id"].asstr()[:]
//     ends = t["levels_end"][:]; rows = np.split(t["levels"][:], ends[:-1])
//
// A table knows how many of its rows count: the caller's committed number (archive/ keeps it).
// Entries past it, left by a write that a crash interrupted, are ignored, and the next append
// writes over them.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "io/h5.hpp"

namespace ns::h5 {

enum class ColumnType { Text, Int64, UInt64, Float64, Float32 };

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::Float64;
  bool ragged = false;
};

// The values of one column for some rows. A ragged column has `lengths`, one per row, and its
// values are those rows' arrays one after another.
struct ColumnValues {
  using Values = std::variant<std::vector<std::string>, std::vector<std::int64_t>,
                              std::vector<std::uint64_t>, std::vector<double>, std::vector<float>>;
  Values values;
  std::vector<std::uint64_t> lengths;
  std::size_t rows(bool ragged) const;
};

class Table {
 public:
  // A new empty table `name` below `parent`.
  static Table create(Group& parent, const std::string& name, std::vector<ColumnSpec> columns);
  // An existing table, of which the first `rows` rows count. Throws ArchiveError if a column is
  // shorter than that.
  static Table open(const Group& parent, const std::string& name, hsize_t rows);
  // The bytes of one chunk of each of the columns' datasets: what an append may allocate beyond
  // its values, when it starts a new chunk in every column.
  static std::uint64_t chunk_bytes(const std::vector<ColumnSpec>& columns);
  // The rows that every column of table `name` has stored, counted or not.
  static hsize_t stored_rows(const Group& parent, const std::string& name);

  hsize_t rows() const { return rows_; }
  const std::vector<ColumnSpec>& columns() const { return specs_; }
  const std::string& path() const { return group_.path(); }

  // Appends rows: `data[i]` holds columns()[i]'s values, each column the same number of rows,
  // values of the column's type. Throws Error for data of the wrong shape or type, and
  // ArchiveError if HDF5 cannot write (the rows then do not count).
  void append(const std::vector<ColumnValues>& data);
  // Replaces the value of row `row` (< rows()) in the non-ragged column `column`.
  void overwrite(hsize_t row, const std::string& column, const ColumnValues& value);
  // Rows [first, first + count) of `column`.
  ColumnValues read(const std::string& column, hsize_t first, hsize_t count) const;
  ColumnValues read(const std::string& column) const { return read(column, 0, rows_); }

 private:
  Table(Group group, std::vector<ColumnSpec> specs, hsize_t rows)
      : group_(std::move(group)), specs_(std::move(specs)), rows_(rows) {}
  const ColumnSpec& spec(const std::string& column) const;
  // Where row `row`'s values start in the ragged column `column` (row <= rows()).
  std::uint64_t ragged_start(const ColumnSpec& column, hsize_t row) const;

  Group group_;
  std::vector<ColumnSpec> specs_;
  hsize_t rows_ = 0;
};

}  // namespace ns::h5
