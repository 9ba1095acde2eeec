#include "io/h5_table.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "io/h5_detail.hpp"

namespace ns::h5 {

using namespace detail;

namespace {

constexpr const char* kEndSuffix = "_end";
// Elements per chunk: per-row columns grow by a few rows a checkpoint, ragged values by whole
// arrays (a weight matrix is 10^5 floats).
constexpr hsize_t kRowChunk = 128;
constexpr hsize_t kValueChunk = 1024;

// The type in the file and the type in memory of a column's values.
Handle file_type(const Where& where, ColumnType t) {
  const auto copy = [&](hid_t type) {
    return Handle(checked(where, "copy a type", [&] { return H5Tcopy(type); }), H5Tclose);
  };
  switch (t) {
    case ColumnType::Text:
      return utf8_string_type(where);
    case ColumnType::Int64:
      return copy(H5T_STD_I64LE);
    case ColumnType::UInt64:
      return copy(H5T_STD_U64LE);
    case ColumnType::Float64:
      return copy(H5T_IEEE_F64LE);
    case ColumnType::Float32:
      return copy(H5T_IEEE_F32LE);
  }
  throw Error("unknown column type");
}

Handle memory_type(const Where& where, ColumnType t) {
  if (t == ColumnType::Text) return utf8_string_type(where);
  const hid_t native = t == ColumnType::Int64     ? native_type<std::int64_t>()
                       : t == ColumnType::UInt64  ? native_type<std::uint64_t>()
                       : t == ColumnType::Float64 ? native_type<double>()
                                                  : native_type<float>();
  return Handle(checked(where, "copy a type", [&] { return H5Tcopy(native); }), H5Tclose);
}

// The column type of a stored dataset, or an error naming what is stored.
ColumnType stored_column_type(const Where& where, hid_t type) {
  const H5T_class_t c = checked(where, "get the type class", [&] { return H5Tget_class(type); });
  const std::size_t size = checked(where, "get the type size", [&] { return H5Tget_size(type); });
  if (c == H5T_STRING) return ColumnType::Text;
  if (c == H5T_FLOAT && size == 8) return ColumnType::Float64;
  if (c == H5T_FLOAT && size == 4) return ColumnType::Float32;
  if (c == H5T_INTEGER && size == 8) {
    const H5T_sign_t sign =
        checked(where, "get the integer sign", [&] { return H5Tget_sign(type); });
    return sign == H5T_SGN_NONE ? ColumnType::UInt64 : ColumnType::Int64;
  }
  throw ArchiveError(
      where.file, where.object,
      fmt::format("holds {}-byte {} values, which no table column has", size, class_name(c)));
}

template <class T>
const std::vector<T>& values_as(const ColumnValues& v, const std::string& column) {
  if (const auto* values = std::get_if<std::vector<T>>(&v.values)) return *values;
  throw Error(fmt::format("table column '{}': values of the wrong type", column));
}

std::size_t value_count(const ColumnValues& v) {
  return std::visit([](const auto& values) { return values.size(); }, v.values);
}

// One open 1-D dataset of a table.
struct Dataset {
  Where where;
  Handle id;
};

Dataset open_dataset(const Group& g, const std::string& name) {
  Where where{g.file_path(), child_path(g, name)};
  Handle id(checked(where, "open the dataset",
                    [&] { return H5Dopen2(g.id(), name.c_str(), H5P_DEFAULT); }),
            H5Dclose);
  return {std::move(where), std::move(id)};
}

hsize_t length(const Dataset& d) {
  Handle space(checked(d.where, "get the dataspace", [&] { return H5Dget_space(d.id.get()); }),
               H5Sclose);
  const std::vector<hsize_t> dims = space_dims(d.where, space.get());
  if (dims.size() != 1)
    throw ArchiveError(d.where.file, d.where.object,
                       fmt::format("has {} dimensions; a table column has 1", dims.size()));
  return dims[0];
}

void create_dataset(Group& g, const std::string& name, ColumnType type, hsize_t chunk) {
  const Where where{g.file_path(), child_path(g, name)};
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  Handle space(
      checked(where, "create a dataspace", [&] { return H5Screate_simple(1, &zero, &unlimited); }),
      H5Sclose);
  Handle dcpl(checked(where, "create a creation property list",
                      [] { return H5Pcreate(H5P_DATASET_CREATE); }),
              H5Pclose);
  checked(where, "set the chunk size", [&] { return H5Pset_chunk(dcpl.get(), 1, &chunk); });
  checked(where, "switch off modification times",
          [&] { return H5Pset_obj_track_times(dcpl.get(), 0); });
  Handle stored = file_type(where, type);
  Handle dataset(checked(where, "create the dataset",
                         [&] {
                           return H5Dcreate2(g.id(), name.c_str(), stored.get(), space.get(),
                                             H5P_DEFAULT, dcpl.get(), H5P_DEFAULT);
                         }),
                 H5Dclose);
}

// The selection [first, first + count) of a 1-D dataset, and a memory space of `count`.
struct Selection {
  Handle file_space, memory_space;
};

Selection select(const Dataset& d, hsize_t first, hsize_t count) {
  Handle file_space(checked(d.where, "get the dataspace", [&] { return H5Dget_space(d.id.get()); }),
                    H5Sclose);
  checked(d.where, "select rows", [&] {
    return H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr);
  });
  Handle memory_space(
      checked(d.where, "create a dataspace", [&] { return H5Screate_simple(1, &count, nullptr); }),
      H5Sclose);
  return {std::move(file_space), std::move(memory_space)};
}

// Writes `values` at [first, first + n), growing the dataset if it is shorter.
void write_at(const Dataset& d, ColumnType type, const ColumnValues& values, hsize_t first,
              const std::string& column) {
  const hsize_t count = value_count(values);
  if (count == 0) return;
  if (length(d) < first + count) {
    const hsize_t size = first + count;
    checked(d.where, "extend the dataset", [&] { return H5Dset_extent(d.id.get(), &size); });
  }
  const Selection s = select(d, first, count);
  Handle memory = memory_type(d.where, type);
  const auto write = [&](const void* data) {
    checked(d.where, "write rows", [&] {
      return H5Dwrite(d.id.get(), memory.get(), s.memory_space.get(), s.file_space.get(),
                      H5P_DEFAULT, data);
    });
  };
  switch (type) {
    case ColumnType::Text: {
      const auto& strings = values_as<std::string>(values, column);
      std::vector<const char*> pointers;
      pointers.reserve(strings.size());
      for (const std::string& s : strings) pointers.push_back(s.c_str());
      write(pointers.data());
      break;
    }
    case ColumnType::Int64:
      write(values_as<std::int64_t>(values, column).data());
      break;
    case ColumnType::UInt64:
      write(values_as<std::uint64_t>(values, column).data());
      break;
    case ColumnType::Float64:
      write(values_as<double>(values, column).data());
      break;
    case ColumnType::Float32:
      write(values_as<float>(values, column).data());
      break;
  }
}

template <class T>
std::vector<T> read_numbers(const Dataset& d, ColumnType type, hsize_t first, hsize_t count) {
  std::vector<T> out(count);
  if (count == 0) return out;
  const Selection s = select(d, first, count);
  Handle memory = memory_type(d.where, type);
  checked(d.where, "read rows", [&] {
    return H5Dread(d.id.get(), memory.get(), s.memory_space.get(), s.file_space.get(), H5P_DEFAULT,
                   out.data());
  });
  return out;
}

ColumnValues::Values read_at(const Dataset& d, ColumnType type, hsize_t first, hsize_t count) {
  switch (type) {
    case ColumnType::Text: {
      if (count == 0) return std::vector<std::string>{};
      const Selection s = select(d, first, count);
      Handle stored(
          checked(d.where, "get the stored type", [&] { return H5Dget_type(d.id.get()); }),
          H5Tclose);
      return read_stored_strings(d.where, stored.get(), count, [&](void* buffer) {
        checked(d.where, "read rows", [&] {
          return H5Dread(d.id.get(), stored.get(), s.memory_space.get(), s.file_space.get(),
                         H5P_DEFAULT, buffer);
        });
      });
    }
    case ColumnType::Int64:
      return read_numbers<std::int64_t>(d, type, first, count);
    case ColumnType::UInt64:
      return read_numbers<std::uint64_t>(d, type, first, count);
    case ColumnType::Float64:
      return read_numbers<double>(d, type, first, count);
    case ColumnType::Float32:
      return read_numbers<float>(d, type, first, count);
  }
  throw Error("unknown column type");
}

}  // namespace

std::size_t ColumnValues::rows(bool ragged) const {
  return ragged ? lengths.size() : value_count(*this);
}

Table Table::create(Group& parent, const std::string& name, std::vector<ColumnSpec> columns) {
  Group g = parent.create_group(name);
  std::vector<std::string> names;
  for (const ColumnSpec& c : columns) {
    create_dataset(g, c.name, c.type, c.ragged ? kValueChunk : kRowChunk);
    if (c.ragged) create_dataset(g, c.name + kEndSuffix, ColumnType::UInt64, kRowChunk);
    names.push_back(c.name);
  }
  g.set_attr("columns", names);
  return Table(std::move(g), std::move(columns), 0);
}

Table Table::open(const Group& parent, const std::string& name, hsize_t rows) {
  Group g = parent.group(name);
  std::vector<ColumnSpec> specs;
  for (const std::string& column : g.get_attr_strings("columns")) {
    if (!g.has(column))
      throw ArchiveError(g.file_path(), g.path(),
                         fmt::format("column '{}' is listed but missing", column));
    const Dataset d = open_dataset(g, column);
    Handle stored(checked(d.where, "get the stored type", [&] { return H5Dget_type(d.id.get()); }),
                  H5Tclose);
    ColumnSpec& spec = specs.emplace_back();
    spec.name = column;
    spec.type = stored_column_type(d.where, stored.get());
    spec.ragged = g.has(column + kEndSuffix);
    const Dataset per_row = open_dataset(g, spec.ragged ? column + kEndSuffix : column);
    if (length(per_row) < rows)
      throw ArchiveError(per_row.where.file, per_row.where.object,
                         fmt::format("has {} rows; the file says {} count", length(per_row), rows));
  }
  Table table(std::move(g), std::move(specs), rows);
  for (const ColumnSpec& spec : table.specs_) {
    if (!spec.ragged) continue;
    const std::uint64_t end = table.ragged_start(spec, rows);
    const Dataset d = open_dataset(table.group_, spec.name);
    if (length(d) < end)
      throw ArchiveError(d.where.file, d.where.object,
                         fmt::format("has {} values; its rows end at {}", length(d), end));
  }
  return table;
}

std::uint64_t Table::chunk_bytes(const std::vector<ColumnSpec>& columns) {
  constexpr std::uint64_t kStringReference = 16;  // what a variable-length string takes in a chunk
  const auto element = [&](ColumnType t) -> std::uint64_t {
    return t == ColumnType::Text ? kStringReference : t == ColumnType::Float32 ? 4 : 8;
  };
  std::uint64_t bytes = 0;
  for (const ColumnSpec& c : columns) {
    bytes += (c.ragged ? kValueChunk : kRowChunk) * element(c.type);
    if (c.ragged) bytes += kRowChunk * 8;  // NAME_end
  }
  return bytes;
}

hsize_t Table::stored_rows(const Group& parent, const std::string& name) {
  const Group g = parent.group(name);
  hsize_t rows = std::numeric_limits<hsize_t>::max();
  for (const std::string& column : g.get_attr_strings("columns")) {
    const std::string per_row = g.has(column + kEndSuffix) ? column + kEndSuffix : column;
    rows = std::min(rows, length(open_dataset(g, per_row)));
  }
  return rows == std::numeric_limits<hsize_t>::max() ? 0 : rows;
}

const ColumnSpec& Table::spec(const std::string& column) const {
  for (const ColumnSpec& s : specs_)
    if (s.name == column) return s;
  throw ArchiveError(group_.file_path(), group_.path(), fmt::format("no column '{}'", column));
}

std::uint64_t Table::ragged_start(const ColumnSpec& column, hsize_t row) const {
  if (row == 0) return 0;
  const Dataset ends = open_dataset(group_, column.name + kEndSuffix);
  return read_numbers<std::uint64_t>(ends, ColumnType::UInt64, row - 1, 1)[0];
}

void Table::append(const std::vector<ColumnValues>& data) {
  if (data.size() != specs_.size())
    throw Error(fmt::format("table {}: {} columns given, it has {}", group_.path(), data.size(),
                            specs_.size()));
  const std::size_t rows = data.empty() ? 0 : data[0].rows(specs_[0].ragged);
  for (std::size_t c = 0; c < specs_.size(); ++c) {
    const ColumnSpec& spec = specs_[c];
    const ColumnValues& values = data[c];
    if (values.rows(spec.ragged) != rows)
      throw Error(fmt::format("table {}: column '{}' has {} rows, '{}' {}", group_.path(),
                              spec.name, values.rows(spec.ragged), specs_[0].name, rows));
    if (spec.ragged && std::accumulate(values.lengths.begin(), values.lengths.end(),
                                       std::uint64_t{0}) != value_count(values))
      throw Error(
          fmt::format("table {}: ragged column '{}' has {} values for lengths summing "
                      "to another number",
                      group_.path(), spec.name, value_count(values)));
  }
  if (rows == 0) return;
  for (std::size_t c = 0; c < specs_.size(); ++c) {
    const ColumnSpec& spec = specs_[c];
    const Dataset d = open_dataset(group_, spec.name);
    if (!spec.ragged) {
      write_at(d, spec.type, data[c], rows_, spec.name);
      continue;
    }
    const std::uint64_t start = ragged_start(spec, rows_);
    write_at(d, spec.type, data[c], start, spec.name);
    ColumnValues ends{std::vector<std::uint64_t>(data[c].lengths.size()), {}};
    auto& end_values = std::get<std::vector<std::uint64_t>>(ends.values);
    std::partial_sum(data[c].lengths.begin(), data[c].lengths.end(), end_values.begin());
    for (std::uint64_t& e : end_values) e += start;
    write_at(open_dataset(group_, spec.name + kEndSuffix), ColumnType::UInt64, ends, rows_,
             spec.name + kEndSuffix);
  }
  rows_ += rows;
}

void Table::overwrite(hsize_t row, const std::string& column, const ColumnValues& value) {
  const ColumnSpec& s = spec(column);
  if (s.ragged || row >= rows_ || value_count(value) != 1)
    throw Error(fmt::format("table {}: cannot overwrite row {} of column '{}' ({} rows)",
                            group_.path(), row, column, rows_));
  write_at(open_dataset(group_, column), s.type, value, row, column);
}

ColumnValues Table::read(const std::string& column, hsize_t first, hsize_t count) const {
  const ColumnSpec& s = spec(column);
  if (first + count > rows_)
    throw Error(fmt::format("table {}: rows {}..{} of column '{}' asked for; it has {}",
                            group_.path(), first, first + count, column, rows_));
  const Dataset d = open_dataset(group_, column);
  ColumnValues out;
  if (!s.ragged) {
    out.values = read_at(d, s.type, first, count);
    return out;
  }
  const std::uint64_t start = ragged_start(s, first);
  const std::vector<std::uint64_t> ends = read_numbers<std::uint64_t>(
      open_dataset(group_, column + kEndSuffix), ColumnType::UInt64, first, count);
  std::uint64_t previous = start;
  for (std::uint64_t end : ends) {
    if (end < previous)
      throw ArchiveError(d.where.file, d.where.object + kEndSuffix,
                         fmt::format("row ends decrease ({} after {})", end, previous));
    out.lengths.push_back(end - previous);
    previous = end;
  }
  out.values = read_at(d, s.type, start, previous - start);
  return out;
}

}  // namespace ns::h5
