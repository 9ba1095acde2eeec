#include "io/h5.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns::h5 {
namespace {

// Switches HDF5's automatic error printing off for one scope and restores what was there:
// failures become exceptions with the stack text in them, so printing to stderr would only
// duplicate them (or spam the log for failures a caller expects and handles).
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

herr_t append_error_line(unsigned, const H5E_error2_t* error, void* lines_ptr) {
  auto& lines = *static_cast<std::vector<std::string>*>(lines_ptr);
  char minor[160] = "";
  H5Eget_msg(error->min_num, nullptr, minor, sizeof minor);
  std::string line = fmt::format("{}(): {} [{}]", error->func_name, error->desc, minor);
  std::replace(line.begin(), line.end(), '\n', ' ');  // some descriptions embed a newline
  lines.push_back(std::move(line));
  return 0;
}

// HDF5's explanation of the failed call: the API entry says what failed, the innermost entry
// why (e.g. "name already exists", or errno's text); the levels between add little.
std::string take_error_stack() {
  // Walk a copy: H5Eget_msg inside the walk would clear the live stack under the iteration.
  const hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "no details from HDF5";
  std::vector<std::string> lines;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, append_error_line, &lines);
  H5Eclose_stack(stack);
  if (lines.empty()) return "no details from HDF5";
  if (lines.size() == 1) return "HDF5: " + lines.front();
  return fmt::format("HDF5: {} ... {}", lines.front(), lines.back());
}

// Where a failure happened: the file and the object path inside it.
struct Where {
  const std::string& file;
  std::string object;
};

Where at(const Group& g) {
  return {g.file_path(), g.path()};
}

// The one place every HDF5 C call is checked. Negative results (hid_t, herr_t, htri_t, ...)
// and zero from size_t-returning calls mean failure.
template <class Call>
auto checked(const Where& where, std::string_view action, Call&& call) {
  QuietErrors quiet;
  const auto result = call();
  bool failed;
  if constexpr (std::is_unsigned_v<decltype(result)>)
    failed = result == 0;
  else
    failed = result < 0;
  if (failed) {
    throw ArchiveError(where.file, where.object,
                       fmt::format("cannot {} ({})", action, take_error_stack()));
  }
  return result;
}

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_NATIVE_INT32;
  else {
    static_assert(std::is_same_v<T, std::int64_t>, "no HDF5 type mapped for this C++ type");
    return H5T_NATIVE_INT64;
  }
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "floating-point";
    case H5T_STRING:
      return "string";
    default:
      return "non-numeric";
  }
}

std::string child_path(const Group& g, const std::string& name) {
  return g.path() == "/" ? "/" + name : g.path() + "/" + name;
}

Handle utf8_string_type(const Where& where) {
  Handle type(checked(where, "copy the string type", [] { return H5Tcopy(H5T_C_S1); }), H5Tclose);
  checked(where, "make the string type variable-length",
          [&] { return H5Tset_size(type.get(), H5T_VARIABLE); });
  checked(where, "set the string type to UTF-8",
          [&] { return H5Tset_cset(type.get(), H5T_CSET_UTF8); });
  return type;
}

// Shape of the data: a scalar dataspace for no dims, a simple one otherwise.
Handle make_space(const Where& where, const std::vector<hsize_t>& dims) {
  return Handle(checked(where, "create a dataspace",
                        [&] {
                          return dims.empty() ? H5Screate(H5S_SCALAR)
                                              : H5Screate_simple(static_cast<int>(dims.size()),
                                                                 dims.data(), nullptr);
                        }),
                H5Sclose);
}

std::vector<hsize_t> space_dims(const Where& where, hid_t space) {
  const int rank =
      checked(where, "get the rank", [&] { return H5Sget_simple_extent_ndims(space); });
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  checked(where, "get the shape",
          [&] { return H5Sget_simple_extent_dims(space, dims.data(), nullptr); });
  return dims;
}

std::size_t element_count(const std::vector<hsize_t>& dims) {
  std::size_t n = 1;
  for (hsize_t d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

// Lets "a/b" create "a" on the way, as `mkdir -p` would.
Handle intermediate_groups_lcpl(const Where& where) {
  Handle lcpl(
      checked(where, "create a link property list", [] { return H5Pcreate(H5P_LINK_CREATE); }),
      H5Pclose);
  checked(where, "allow intermediate groups",
          [&] { return H5Pset_create_intermediate_group(lcpl.get(), 1); });
  return lcpl;
}

// Refuses reads that would change the kind of value or silently drop precision.
void check_readable_as(const Where& where, const std::string& what, hid_t stored, hid_t wanted) {
  const H5T_class_t stored_class =
      checked(where, "get the type class", [&] { return H5Tget_class(stored); });
  const H5T_class_t wanted_class =
      checked(where, "get the type class", [&] { return H5Tget_class(wanted); });
  if (stored_class != wanted_class) {
    throw ArchiveError(where.file, where.object,
                       fmt::format("{} holds {} values, not {} ones", what,
                                   class_name(stored_class), class_name(wanted_class)));
  }
  if (stored_class == H5T_STRING) return;
  const std::size_t stored_size =
      checked(where, "get the type size", [&] { return H5Tget_size(stored); });
  const std::size_t wanted_size =
      checked(where, "get the type size", [&] { return H5Tget_size(wanted); });
  if (stored_size > wanted_size) {
    throw ArchiveError(where.file, where.object,
                       fmt::format("{} holds {}-byte {} values; reading them as {}-byte ones would "
                                   "lose precision",
                                   what, stored_size, class_name(stored_class), wanted_size));
  }
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
  Handle dataset(checked(where, "create the dataset",
                         [&] {
                           return H5Dcreate2(g.id(), name.c_str(), type, space.get(), lcpl.get(),
                                             H5P_DEFAULT, H5P_DEFAULT);
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

using HdfMemory = std::unique_ptr<char, herr_t (*)(void*)>;

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
  const hid_t id = checked({path, ""}, "create the file", [&] {
    return H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  });
  return File(Handle(id, H5Fclose), path);
}

File File::open_read(const std::string& path) {
  return open(path, H5F_ACC_RDONLY);
}
File File::open_rw(const std::string& path) {
  return open(path, H5F_ACC_RDWR);
}

File File::open(const std::string& path, unsigned flags) {
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) throw ArchiveError(path, "", "file does not exist");
  const Where where{path, ""};
  if (checked(where, "check the file signature", [&] { return H5Fis_hdf5(path.c_str()); }) == 0)
    throw ArchiveError(path, "", "not an HDF5 file");
  const hid_t id =
      checked(where, "open the file", [&] { return H5Fopen(path.c_str(), flags, H5P_DEFAULT); });
  return File(Handle(id, H5Fclose), path);
}

Group File::root() const {
  const hid_t id = checked({path_, "/"}, "open the root group",
                           [&] { return H5Gopen2(id_.get(), "/", H5P_DEFAULT); });
  return Group(Handle(id, H5Gclose), path_, "/");
}

void File::flush() {
  checked({path_, ""}, "flush the file", [&] { return H5Fflush(id_.get(), H5F_SCOPE_GLOBAL); });
}

// ===== Group: children =====

Group Group::create_group(const std::string& name) {
  const Where where{file_, child_path(*this, name)};
  Handle lcpl = intermediate_groups_lcpl(where);
  const hid_t id = checked(where, "create the group", [&] {
    return H5Gcreate2(id_.get(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT);
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

std::vector<hsize_t> Group::dims(const std::string& name) const {
  return open_dataset(*this, name).dims;
}

}  // namespace ns::h5
