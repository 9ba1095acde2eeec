#include "io/h5.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <unistd.h>

#include "core/error.hpp"
#include "io/h5_detail.hpp"

namespace ns::h5 {

using namespace detail;

namespace {

// Creation properties that leave modification times out of object headers, so writing the
// same content twice gives the same bytes (archives can then be compared with cmp).
Handle untimed_creation_plist(const Where& where, hid_t plist_class) {
  Handle plist(
      checked(where, "create a creation property list", [&] { return H5Pcreate(plist_class); }),
      H5Pclose);
  checked(where, "switch off modification times",
          [&] { return H5Pset_obj_track_times(plist.get(), 0); });
  return plist;
}

// ----- attributes -----

void replace_attr(const Group& g, const std::string& name, hid_t type,
                  const std::vector<hsize_t>& dims, const void* data) {
  const Where where = at(g);
  const std::string action = fmt::format("write attribute '{}'", name);
  if (checked(where, action, [&] { return H5Aexists(g.id(), name.c_str()); }) > 0)
    checked(where, action, [&] { return H5Adelete(g.id(), name.c_str()); });
  Handle space = make_space(where, dims);
  Handle attr(checked(where, action,
                      [&] {
                        return H5Acreate2(g.id(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                          H5P_DEFAULT);
                      }),
              H5Aclose);
  // An empty vector may have no buffer at all, which HDF5 rejects even for zero elements.
  static const char nothing = 0;
  checked(where, action, [&] { return H5Awrite(attr.get(), type, data ? data : &nothing); });
}

struct OpenAttr {
  Handle attr, type;
  std::size_t count;
};

OpenAttr open_attr(const Group& g, const std::string& name, hid_t wanted_type) {
  const Where where = at(g);
  const std::string what = fmt::format("attribute '{}'", name);
  if (checked(where, "look up " + what, [&] { return H5Aexists(g.id(), name.c_str()); }) == 0)
    throw ArchiveError(where.file, where.object, fmt::format("no {}", what));
  const std::string action = "read " + what;
  Handle attr(checked(where, action, [&] { return H5Aopen(g.id(), name.c_str(), H5P_DEFAULT); }),
              H5Aclose);
  Handle type(checked(where, action, [&] { return H5Aget_type(attr.get()); }), H5Tclose);
  check_readable_as(where, what, type.get(), wanted_type);
  Handle space(checked(where, action, [&] { return H5Aget_space(attr.get()); }), H5Sclose);
  const auto count =
      checked(where, action, [&] { return H5Sget_simple_extent_npoints(space.get()); });
  return {std::move(attr), std::move(type), static_cast<std::size_t>(count)};
}

template <class T>
std::vector<T> read_attr_values(const Group& g, const std::string& name) {
  OpenAttr a = open_attr(g, name, native_type<T>());
  std::vector<T> values(a.count);
  if (!values.empty()) {
    checked(at(g), fmt::format("read attribute '{}'", name),
            [&] { return H5Aread(a.attr.get(), native_type<T>(), values.data()); });
  }
  return values;
}

template <class T>
T read_attr_scalar(const Group& g, const std::string& name) {
  std::vector<T> values = read_attr_values<T>(g, name);
  if (values.size() != 1) {
    throw ArchiveError(
        g.file_path(), g.path(),
        fmt::format("attribute '{}' holds {} values, expected one", name, values.size()));
  }
  return values[0];
}

// ----- datasets -----

void write_dataset(Group& g, const std::string& name, hid_t type, const void* data,
                   const std::vector<hsize_t>& dims) {
  const Where where{g.file_path(), child_path(g, name)};
  Handle space = make_space(where, dims);
  Handle lcpl = intermediate_groups_lcpl(where);
  Handle dcpl = untimed_creation_plist(where, H5P_DATASET_CREATE);
  Handle dataset(checked(where, "create the dataset",
                         [&] {
                           return H5Dcreate2(g.id(), name.c_str(), type, space.get(), lcpl.get(),
                                             dcpl.get(), H5P_DEFAULT);
                         }),
                 H5Dclose);
  if (element_count(dims) == 0) return;  // nothing to write, and data may be null
  checked(where, "write the dataset",
          [&] { return H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data); });
}

struct OpenDataset {
  Where where;
  Handle dataset, space;
  std::vector<hsize_t> dims;
};

OpenDataset open_dataset(const Group& g, const std::string& name) {
  Where where{g.file_path(), child_path(g, name)};
  if (!g.has(name)) throw ArchiveError(where.file, where.object, "no such dataset");
  Handle dataset(checked(where, "open the dataset",
                         [&] { return H5Dopen2(g.id(), name.c_str(), H5P_DEFAULT); }),
                 H5Dclose);
  Handle space(checked(where, "get the dataspace", [&] { return H5Dget_space(dataset.get()); }),
               H5Sclose);
  std::vector<hsize_t> dims = space_dims(where, space.get());
  return {std::move(where), std::move(dataset), std::move(space), std::move(dims)};
}

Handle stored_type(const OpenDataset& d) {
  return Handle(
      checked(d.where, "get the stored type", [&] { return H5Dget_type(d.dataset.get()); }),
      H5Tclose);
}

// Reads the whole dataset into `out`, which must have room for every element.
void read_all(const OpenDataset& d, hid_t mem_type, void* out) {
  Handle type = stored_type(d);
  check_readable_as(d.where, "the dataset", type.get(), mem_type);
  if (element_count(d.dims) == 0) return;
  checked(d.where, "read the dataset",
          [&] { return H5Dread(d.dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out); });
}

template <class T>
std::vector<hsize_t> read_vector(const Group& g, const std::string& name, std::vector<T>& out) {
  OpenDataset d = open_dataset(g, name);
  out.resize(element_count(d.dims));
  read_all(d, native_type<T>(), out.data());
  return d.dims;
}

void require_rank(const OpenDataset& d, std::size_t rank) {
  if (d.dims.size() != rank) {
    throw ArchiveError(d.where.file, d.where.object,
                       fmt::format("expected a {}-D dataset, found {}-D", rank, d.dims.size()));
  }
}

template <class T>
void write_matrix(Group& g, const std::string& name, const Eigen::Matrix<T, -1, -1>& m) {
  // Eigen is column-major; copy to row-major so the file holds (rows, cols) in C order.
  const Eigen::Matrix<T, -1, -1, Eigen::RowMajor> row_major = m;
  write_dataset(g, name, native_type<T>(), row_major.data(),
                {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())});
}

template <class T>
void read_matrix(const Group& g, const std::string& name, Eigen::Matrix<T, -1, -1>& out) {
  OpenDataset d = open_dataset(g, name);
  require_rank(d, 2);
  Eigen::Matrix<T, -1, -1, Eigen::RowMajor> row_major(d.dims[0], d.dims[1]);
  read_all(d, native_type<T>(), row_major.data());
  out = row_major;
}

template <class T>
void read_column(const Group& g, const std::string& name, Eigen::Matrix<T, -1, 1>& out) {
  OpenDataset d = open_dataset(g, name);
  require_rank(d, 1);
  out.resize(static_cast<Eigen::Index>(d.dims[0]));
  read_all(d, native_type<T>(), out.data());
}

// ----- tables -----

std::size_t row_count(const Column& column) {
  return std::visit([](const auto& values) { return values.size(); }, column.values);
}

Handle fixed_utf8_string_type(const Where& where, std::size_t width) {
  Handle type(checked(where, "copy the string type", [] { return H5Tcopy(H5T_C_S1); }), H5Tclose);
  checked(where, "size the string type", [&] { return H5Tset_size(type.get(), width); });
  checked(where, "set the string padding",
          [&] { return H5Tset_strpad(type.get(), H5T_STR_NULLPAD); });
  checked(where, "set the string type to UTF-8",
          [&] { return H5Tset_cset(type.get(), H5T_CSET_UTF8); });
  return type;
}

// The file type of one column: fixed-length strings as wide as the longest value (at least
// one byte: HDF5 has no zero-length strings), 8-byte numbers otherwise.
Handle column_type(const Where& where, const Column& column) {
  if (const auto* strings = std::get_if<std::vector<std::string>>(&column.values)) {
    std::size_t width = 1;
    for (const std::string& s : *strings) width = std::max(width, s.size());
    return fixed_utf8_string_type(where, width);
  }
  const hid_t native =
      std::holds_alternative<std::vector<std::int64_t>>(column.values)    ? H5T_NATIVE_INT64
      : std::holds_alternative<std::vector<std::uint64_t>>(column.values) ? H5T_NATIVE_UINT64
                                                                          : H5T_NATIVE_DOUBLE;
  return Handle(checked(where, "copy a number type", [&] { return H5Tcopy(native); }), H5Tclose);
}

// Copies one column into its slot of every row of a packed row buffer.
void pack_column(const Column& column, std::size_t offset, std::size_t width, std::size_t row_size,
                 std::vector<char>& rows) {
  std::visit(
      [&](const auto& values) {
        for (std::size_t r = 0; r < values.size(); ++r) {
          char* slot = rows.data() + r * row_size + offset;
          if constexpr (std::is_same_v<std::decay_t<decltype(values)>, std::vector<std::string>>)
            std::memcpy(slot, values[r].data(), std::min(values[r].size(), width));
          else
            std::memcpy(slot, &values[r], sizeof values[r]);
        }
      },
      column.values);
}

}  // namespace

// ===== Handle =====

Handle::~Handle() {
  reset();
}

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)),
      close_(std::exchange(other.close_, nullptr)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    close_ = std::exchange(other.close_, nullptr);
  }
  return *this;
}

void Handle::reset() noexcept {
  if (close_ && id_ >= 0) {
    QuietErrors quiet;  // a destructor cannot report a failed close; do not print it either
    close_(id_);
  }
  id_ = H5I_INVALID_HID;
  close_ = nullptr;
}

// ===== File =====

File File::create(const std::string& path) {
  const Where where{path, ""};
  Handle fcpl = untimed_creation_plist(where, H5P_FILE_CREATE);  // the root group's times
  const hid_t id = checked(where, "create the file", [&] {
    return H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT);
  });
  return File(Handle(id, H5Fclose), path);
}

File File::open_read(const std::string& path) {
  return open(path, H5F_ACC_RDONLY);
}
File File::open_rw(const std::string& path) {
  return open(path, H5F_ACC_RDWR);
}

File File::open(const std::string& path, unsigned flags, hid_t fapl) {
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) throw ArchiveError(path, "", "file does not exist");
  if (std::filesystem::is_directory(path, ignored))
    throw ArchiveError(path, "", "is a folder, not an HDF5 file");
  const Where where{path, ""};
  if (checked(where, "check the file signature", [&] { return H5Fis_hdf5(path.c_str()); }) == 0)
    throw ArchiveError(path, "", "not an HDF5 file");
  if (flags == H5F_ACC_RDONLY) {
    // A file that a writer is appending to, or that a killed writer left, carries a mark that
    // plain readers refuse; its reader mode reads it as the writer last made it consistent.
    QuietErrors quiet;
    if (const hid_t id = H5Fopen(path.c_str(), flags, fapl); id >= 0)
      return File(Handle(id, H5Fclose), path);
    H5Eclear2(H5E_DEFAULT);
    if (const hid_t id = H5Fopen(path.c_str(), flags | H5F_ACC_SWMR_READ, fapl); id >= 0)
      return File(Handle(id, H5Fclose), path);
    H5Eclear2(H5E_DEFAULT);
  }
  const hid_t id =
      checked(where, "open the file", [&] { return H5Fopen(path.c_str(), flags, fapl); });
  return File(Handle(id, H5Fclose), path);
}

namespace {

// File access in HDF5 1.10's format (File::create_appendable says why).
Handle appendable_access(const Where& where) {
  Handle fapl(
      checked(where, "create a file access list", [] { return H5Pcreate(H5P_FILE_ACCESS); }),
      H5Pclose);
  checked(where, "choose the file format",
          [&] { return H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110); });
  // The writer's own lock (archives: archive_lock.hpp) keeps writers apart; HDF5's would also
  // let any reader that keeps the file open block the writer.
  checked(where, "switch off HDF5's file locks",
          [&] { return H5Pset_file_locking(fapl.get(), false, true); });
  return fapl;
}

}  // namespace

File File::open_append(const std::string& path) {
  const Where where{path, ""};
  if (left_open_by_writer(path))
    throw ArchiveError(path, "",
                       "a writer was killed while it had the file open; what it committed is "
                       "readable, but the file must be written anew before more is added");
  Handle fapl = appendable_access(where);
  return open(path, H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl.get());
}

bool File::left_open_by_writer(const std::string& path) {
  QuietErrors quiet;
  if (const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); id >= 0) {
    H5Fclose(id);
    return false;
  }
  H5Eclear2(H5E_DEFAULT);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;  // not readable at all: open_read says why
  }
  H5Fclose(id);
  return true;
}

Group File::root() const {
  const hid_t id = checked({path_, "/"}, "open the root group",
                           [&] { return H5Gopen2(id_.get(), "/", H5P_DEFAULT); });
  return Group(Handle(id, H5Gclose), path_, "/");
}

void File::flush() {
  checked({path_, ""}, "flush the file", [&] { return H5Fflush(id_.get(), H5F_SCOPE_GLOBAL); });
}

void File::sync() {
  flush();
  const Where where{path_, ""};
  void* handle = nullptr;
  checked(where, "get the file's descriptor",
          [&] { return H5Fget_vfd_handle(id_.get(), H5P_DEFAULT, &handle); });
  if (::fsync(*static_cast<int*>(handle)) != 0)
    throw ArchiveError(path_, "", fmt::format("cannot sync the file ({})", std::strerror(errno)));
}

File File::create_in_memory(const std::string& name) {
  const Where where{name, ""};
  Handle fapl(
      checked(where, "create a file access list", [] { return H5Pcreate(H5P_FILE_ACCESS); }),
      H5Pclose);
  constexpr std::size_t kGrowth = std::size_t{8} << 20;  // bytes added each time it fills up
  checked(where, "use the in-memory driver",
          [&] { return H5Pset_fapl_core(fapl.get(), kGrowth, /*backing_store=*/0); });
  Handle fcpl = untimed_creation_plist(where, H5P_FILE_CREATE);
  const hid_t id = checked(where, "create the file in memory", [&] {
    return H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  });
  return File(Handle(id, H5Fclose), name);
}

File File::create_appendable(const std::string& path) {
  const Where where{path, ""};
  Handle fapl = appendable_access(where);
  Handle fcpl = untimed_creation_plist(where, H5P_FILE_CREATE);
  const hid_t id = checked(where, "create the file", [&] {
    return H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  });
  return File(Handle(id, H5Fclose), path);
}

namespace {

// Throws, saying what could not be done (`action`), unless the file is its only open object.
void require_nothing_else_open(hid_t file, const std::string& path, const char* action) {
  const ssize_t open_objects = checked({path, ""}, "count the open objects", [&] {
    return H5Fget_obj_count(file, H5F_OBJ_ALL | H5F_OBJ_LOCAL);
  });
  if (open_objects != 1)  // the file itself
    throw ArchiveError(path, "",
                       fmt::format("cannot {} the file: {} of its objects are still open", action,
                                   open_objects - 1));
}

}  // namespace

void File::close() {
  const Where where{path_, ""};
  require_nothing_else_open(id_.get(), path_, "close");
  Handle file = std::move(id_);
  checked(where, "close the file", [&] { return H5Fclose(file.release()); });
}

std::string File::take_image() {
  const Where where{path_, ""};
  require_nothing_else_open(id_.get(), path_, "finish");
  flush();
  const ssize_t size = checked(where, "get the file's size",
                               [&] { return H5Fget_file_image(id_.get(), nullptr, 0); });
  std::string image(static_cast<std::size_t>(size), '\0');
  checked(where, "copy the file's bytes",
          [&] { return H5Fget_file_image(id_.get(), image.data(), image.size()); });
  id_ = Handle();  // in memory: closing cannot fail for want of disk space
  return image;
}

std::string build_image(const std::string& name, const std::function<void(Group& root)>& fill) {
  File file = File::create_in_memory(name);
  {
    Group root = file.root();
    fill(root);
  }
  return file.take_image();
}

// ===== Group: children =====

Group Group::create_group(const std::string& name) {
  const Where where{file_, child_path(*this, name)};
  Handle lcpl = intermediate_groups_lcpl(where);
  Handle gcpl = untimed_creation_plist(where, H5P_GROUP_CREATE);
  const hid_t id = checked(where, "create the group", [&] {
    return H5Gcreate2(id_.get(), name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT);
  });
  return Group(Handle(id, H5Gclose), file_, where.object);
}

Group Group::group(const std::string& name) const {
  const Where where{file_, child_path(*this, name)};
  if (!has(name)) throw ArchiveError(where.file, where.object, "no such group");
  const hid_t id = checked(where, "open the group",
                           [&] { return H5Gopen2(id_.get(), name.c_str(), H5P_DEFAULT); });
  return Group(Handle(id, H5Gclose), file_, where.object);
}

bool Group::has(const std::string& name) const {
  // Walk the path one link at a time: H5Lexists fails, rather than answering false, when a
  // component on the way is missing or is not a group.
  for (std::size_t end = name.find('/');; end = name.find('/', end + 1)) {
    const std::string prefix = name.substr(0, end);
    const Where where{file_, child_path(*this, prefix)};
    if (checked(where, "look up the object",
                [&] { return H5Lexists(id_.get(), prefix.c_str(), H5P_DEFAULT); }) == 0)
      return false;
    if (end == std::string::npos) return true;
    const Handle object(checked(where, "open the object",
                                [&] { return H5Oopen(id_.get(), prefix.c_str(), H5P_DEFAULT); }),
                        H5Oclose);
    if (checked(where, "get the object type", [&] { return H5Iget_type(object.get()); }) !=
        H5I_GROUP)
      return false;
  }
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  checked(at(*this), "list the children", [&] {
    return H5Literate(id_.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
  });
  return names;
}

// ===== Group: attributes =====

void Group::set_attr(const std::string& name, const std::string& value) {
  Handle type = utf8_string_type(at(*this));
  const char* text = value.c_str();
  replace_attr(*this, name, type.get(), {}, &text);
}

void Group::set_attr(const std::string& name, double value) {
  replace_attr(*this, name, H5T_NATIVE_DOUBLE, {}, &value);
}

void Group::set_attr(const std::string& name, std::int64_t value) {
  replace_attr(*this, name, H5T_NATIVE_INT64, {}, &value);
}

void Group::set_attr(const std::string& name, const std::vector<double>& values) {
  replace_attr(*this, name, H5T_NATIVE_DOUBLE, {values.size()}, values.data());
}

void Group::set_attr(const std::string& name, const std::vector<std::int64_t>& values) {
  replace_attr(*this, name, H5T_NATIVE_INT64, {values.size()}, values.data());
}

void Group::set_attr(const std::string& name, std::uint64_t value) {
  replace_attr(*this, name, H5T_NATIVE_UINT64, {}, &value);
}

void Group::set_attr(const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& s : values) pointers.push_back(s.c_str());
  Handle type = utf8_string_type(at(*this));
  replace_attr(*this, name, type.get(), {values.size()},
               pointers.empty() ? nullptr : pointers.data());
}

std::vector<std::string> Group::attr_names() const {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t position = 0;
  checked(at(*this), "list the attributes", [&] {
    return H5Aiterate2(id_.get(), H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names);
  });
  return names;
}

bool Group::has_attr(const std::string& name) const {
  return checked(at(*this), fmt::format("look up attribute '{}'", name),
                 [&] { return H5Aexists(id_.get(), name.c_str()); }) > 0;
}

std::string Group::get_attr_string(const std::string& name) const {
  const Where where = at(*this);
  Handle wanted = utf8_string_type(where);
  OpenAttr a = open_attr(*this, name, wanted.get());
  if (a.count != 1) {
    throw ArchiveError(file_, path_,
                       fmt::format("attribute '{}' holds {} strings, expected one", name, a.count));
  }
  const std::string action = fmt::format("read attribute '{}'", name);
  // Read with the stored type itself: it already is a C string type, and this avoids
  // character-set conversions between ASCII and UTF-8 strings written by other tools.
  if (checked(where, action, [&] { return H5Tis_variable_str(a.type.get()); }) > 0) {
    char* raw = nullptr;
    checked(where, action, [&] { return H5Aread(a.attr.get(), a.type.get(), &raw); });
    const HdfMemory owned(raw, H5free_memory);
    return raw ? std::string(raw) : std::string();
  }
  const std::size_t size = checked(where, action, [&] { return H5Tget_size(a.type.get()); });
  std::string text(size, '\0');
  checked(where, action, [&] { return H5Aread(a.attr.get(), a.type.get(), text.data()); });
  return text.substr(0, text.find('\0'));  // fixed-length strings are NUL-padded
}

double Group::get_attr_double(const std::string& name) const {
  return read_attr_scalar<double>(*this, name);
}

std::int64_t Group::get_attr_int64(const std::string& name) const {
  return read_attr_scalar<std::int64_t>(*this, name);
}

std::vector<double> Group::get_attr_doubles(const std::string& name) const {
  return read_attr_values<double>(*this, name);
}

std::vector<std::int64_t> Group::get_attr_int64s(const std::string& name) const {
  return read_attr_values<std::int64_t>(*this, name);
}

std::uint64_t Group::get_attr_uint64(const std::string& name) const {
  return read_attr_scalar<std::uint64_t>(*this, name);
}

std::vector<std::string> Group::get_attr_strings(const std::string& name) const {
  const Where where = at(*this);
  Handle wanted = utf8_string_type(where);
  OpenAttr a = open_attr(*this, name, wanted.get());
  return read_stored_strings(where, a.type.get(), a.count, [&](void* buffer) {
    checked(where, fmt::format("read attribute '{}'", name),
            [&] { return H5Aread(a.attr.get(), a.type.get(), buffer); });
  });
}

// ===== Group: datasets =====

void Group::write(const std::string& name, const float* data, const std::vector<hsize_t>& dims) {
  write_dataset(*this, name, H5T_NATIVE_FLOAT, data, dims);
}
void Group::write(const std::string& name, const double* data, const std::vector<hsize_t>& dims) {
  write_dataset(*this, name, H5T_NATIVE_DOUBLE, data, dims);
}
void Group::write(const std::string& name, const std::int32_t* data,
                  const std::vector<hsize_t>& dims) {
  write_dataset(*this, name, H5T_NATIVE_INT32, data, dims);
}
void Group::write(const std::string& name, const std::int64_t* data,
                  const std::vector<hsize_t>& dims) {
  write_dataset(*this, name, H5T_NATIVE_INT64, data, dims);
}

void Group::write(const std::string& name, const std::vector<std::string>& strings) {
  std::vector<const char*> pointers;
  pointers.reserve(strings.size());
  for (const std::string& s : strings) pointers.push_back(s.c_str());
  Handle type = utf8_string_type({file_, child_path(*this, name)});
  write_dataset(*this, name, type.get(), pointers.data(), {strings.size()});
}

void Group::write(const std::string& name, const Eigen::MatrixXf& m) {
  write_matrix(*this, name, m);
}
void Group::write(const std::string& name, const Eigen::MatrixXd& m) {
  write_matrix(*this, name, m);
}
void Group::write(const std::string& name, const Eigen::VectorXf& v) {
  write_dataset(*this, name, H5T_NATIVE_FLOAT, v.data(), {static_cast<hsize_t>(v.size())});
}
void Group::write(const std::string& name, const Eigen::VectorXd& v) {
  write_dataset(*this, name, H5T_NATIVE_DOUBLE, v.data(), {static_cast<hsize_t>(v.size())});
}

void Group::write_text(const std::string& name, const std::string& text) {
  Handle type = utf8_string_type({file_, child_path(*this, name)});
  const char* pointer = text.c_str();
  write_dataset(*this, name, type.get(), &pointer, {});
}

void Group::write_table(const std::string& name, const std::vector<Column>& columns) {
  const Where where{file_, child_path(*this, name)};
  if (columns.empty()) throw ArchiveError(where.file, where.object, "a table needs a column");
  const std::size_t rows = row_count(columns.front());
  std::set<std::string> names;
  for (const Column& column : columns) {
    if (!names.insert(column.name).second)
      throw ArchiveError(where.file, where.object,
                         fmt::format("two columns are named '{}'", column.name));
    if (row_count(column) != rows) {
      throw ArchiveError(where.file, where.object,
                         fmt::format("column '{}' has {} rows, column '{}' has {}", column.name,
                                     row_count(column), columns.front().name, rows));
    }
  }
  // A packed row: each column's value at its offset, no alignment padding (numpy and h5py
  // read packed compounds as they are).
  std::vector<Handle> types;
  std::vector<std::size_t> offsets, widths;
  std::size_t row_size = 0;
  for (const Column& column : columns) {
    types.push_back(column_type(where, column));
    offsets.push_back(row_size);
    widths.push_back(
        checked(where, "get a column's size", [&] { return H5Tget_size(types.back().get()); }));
    row_size += widths.back();
  }
  Handle row_type(
      checked(where, "create the row type", [&] { return H5Tcreate(H5T_COMPOUND, row_size); }),
      H5Tclose);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    checked(where, fmt::format("add column '{}'", columns[c].name), [&] {
      return H5Tinsert(row_type.get(), columns[c].name.c_str(), offsets[c], types[c].get());
    });
  }
  std::vector<char> buffer(rows * row_size, '\0');
  for (std::size_t c = 0; c < columns.size(); ++c)
    pack_column(columns[c], offsets[c], widths[c], row_size, buffer);
  write_dataset(*this, name, row_type.get(), buffer.data(), {rows});
}

std::vector<hsize_t> Group::read(const std::string& name, std::vector<float>& out) const {
  return read_vector(*this, name, out);
}
std::vector<hsize_t> Group::read(const std::string& name, std::vector<double>& out) const {
  return read_vector(*this, name, out);
}
std::vector<hsize_t> Group::read(const std::string& name, std::vector<std::int32_t>& out) const {
  return read_vector(*this, name, out);
}
std::vector<hsize_t> Group::read(const std::string& name, std::vector<std::int64_t>& out) const {
  return read_vector(*this, name, out);
}
std::vector<hsize_t> Group::read(const std::string& name, std::vector<std::uint64_t>& out) const {
  return read_vector(*this, name, out);
}

std::vector<hsize_t> Group::read(const std::string& name, std::vector<std::string>& out) const {
  OpenDataset d = open_dataset(*this, name);
  Handle type = stored_type(d);
  Handle wanted = utf8_string_type(d.where);
  check_readable_as(d.where, "the dataset", type.get(), wanted.get());
  const std::size_t count = element_count(d.dims);
  out.clear();
  if (count == 0) return d.dims;
  out.reserve(count);
  // As for attributes, read with the stored string type to avoid character-set conversions.
  if (checked(d.where, "read the dataset", [&] { return H5Tis_variable_str(type.get()); }) > 0) {
    std::vector<char*> raw(count, nullptr);
    read_all(d, type.get(), raw.data());
    for (const char* s : raw) out.emplace_back(s ? s : "");
    checked(d.where, "free the strings read",
            [&] { return H5Dvlen_reclaim(type.get(), d.space.get(), H5P_DEFAULT, raw.data()); });
    return d.dims;
  }
  const std::size_t size =
      checked(d.where, "read the dataset", [&] { return H5Tget_size(type.get()); });
  std::string block(count * size, '\0');
  read_all(d, type.get(), block.data());
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view padded(block.data() + i * size, size);
    out.emplace_back(padded.substr(0, padded.find('\0')));
  }
  return d.dims;
}

void Group::read(const std::string& name, Eigen::MatrixXf& out) const {
  read_matrix(*this, name, out);
}
void Group::read(const std::string& name, Eigen::MatrixXd& out) const {
  read_matrix(*this, name, out);
}
void Group::read(const std::string& name, Eigen::VectorXf& out) const {
  read_column(*this, name, out);
}
void Group::read(const std::string& name, Eigen::VectorXd& out) const {
  read_column(*this, name, out);
}

std::string Group::read_text(const std::string& name) const {
  std::vector<std::string> strings;
  read(name, strings);
  if (strings.size() != 1) {
    throw ArchiveError(file_, child_path(*this, name),
                       fmt::format("holds {} strings, expected one text", strings.size()));
  }
  return std::move(strings.front());
}

std::vector<Column> Group::read_table(const std::string& name) const {
  OpenDataset d = open_dataset(*this, name);
  require_rank(d, 1);
  const std::size_t rows = d.dims[0];
  Handle type = stored_type(d);
  if (checked(d.where, "get the type class", [&] { return H5Tget_class(type.get()); }) !=
      H5T_COMPOUND)
    throw ArchiveError(d.where.file, d.where.object, "not a table (a compound dataset)");
  const int count =
      checked(d.where, "count the columns", [&] { return H5Tget_nmembers(type.get()); });
  std::vector<Column> columns;
  for (int c = 0; c < count; ++c) {
    const HdfMemory raw_name = [&] {
      QuietErrors quiet;  // H5Tget_member_name returns a pointer, so `checked` cannot judge it
      return HdfMemory(H5Tget_member_name(type.get(), static_cast<unsigned>(c)), H5free_memory);
    }();
    if (!raw_name)
      throw ArchiveError(
          d.where.file, d.where.object,
          fmt::format("cannot get the name of column {} ({})", c, take_error_stack()));
    Column& column = columns.emplace_back();
    column.name = raw_name.get();
    const std::string what = fmt::format("column '{}'", column.name);
    Handle member(checked(d.where, "get a column type",
                          [&] { return H5Tget_member_type(type.get(), static_cast<unsigned>(c)); }),
                  H5Tclose);
    // A memory type with this one member: HDF5 matches compound members by name, so the read
    // converts and copies just this column.
    const auto read_column_into = [&](hid_t member_type, void* out) {
      const std::size_t size =
          checked(d.where, "get a column size", [&] { return H5Tget_size(member_type); });
      Handle one(
          checked(d.where, "create a column type", [&] { return H5Tcreate(H5T_COMPOUND, size); }),
          H5Tclose);
      checked(d.where, "create a column type",
              [&] { return H5Tinsert(one.get(), column.name.c_str(), 0, member_type); });
      if (rows == 0) return;
      checked(d.where, "read " + what, [&] {
        return H5Dread(d.dataset.get(), one.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
      });
    };
    const auto read_numbers = [&](auto& values, hid_t native) {
      check_readable_as(d.where, what, member.get(), native);
      values.resize(rows);
      read_column_into(native, values.data());
    };
    switch (checked(d.where, "get a column class", [&] { return H5Tget_class(member.get()); })) {
      case H5T_STRING:
        column.values = read_stored_strings(d.where, member.get(), rows, [&](void* buffer) {
          read_column_into(member.get(), buffer);
        });
        break;
      case H5T_INTEGER:
        if (checked(d.where, "get the integer sign", [&] { return H5Tget_sign(member.get()); }) ==
            H5T_SGN_NONE)
          read_numbers(column.values.emplace<std::vector<std::uint64_t>>(), H5T_NATIVE_UINT64);
        else
          read_numbers(column.values.emplace<std::vector<std::int64_t>>(), H5T_NATIVE_INT64);
        break;
      case H5T_FLOAT:
        read_numbers(column.values.emplace<std::vector<double>>(), H5T_NATIVE_DOUBLE);
        break;
      default:
        throw ArchiveError(d.where.file, d.where.object,
                           fmt::format("{} holds values of a kind tables do not hold", what));
    }
  }
  return columns;
}

std::vector<hsize_t> Group::dims(const std::string& name) const {
  return open_dataset(*this, name).dims;
}

}  // namespace ns::h5
