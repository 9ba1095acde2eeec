#include "io/h5_detail.hpp"

#include <algorithm>

namespace ns::h5::detail {
namespace {

herr_t append_error_line(unsigned, const H5E_error2_t* error, void* lines_ptr) {
  auto& lines = *static_cast<std::vector<std::string>*>(lines_ptr);
  char minor[160] = "";
  H5Eget_msg(error->min_num, nullptr, minor, sizeof minor);
  std::string line = fmt::format("{}(): {} [{}]", error->func_name, error->desc, minor);
  std::replace(line.begin(), line.end(), '\n', ' ');  // some descriptions embed a newline
  lines.push_back(std::move(line));
  return 0;
}

}  // namespace

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

Where at(const Group& g) {
  return {g.file_path(), g.path()};
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

Handle intermediate_groups_lcpl(const Where& where) {
  Handle lcpl(
      checked(where, "create a link property list", [] { return H5Pcreate(H5P_LINK_CREATE); }),
      H5Pclose);
  checked(where, "allow intermediate groups",
          [&] { return H5Pset_create_intermediate_group(lcpl.get(), 1); });
  return lcpl;
}

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
  if (stored_class != H5T_INTEGER) return;
  // HDF5 would clip out-of-range integers to the nearest representable value, not fail.
  const H5T_sign_t stored_sign =
      checked(where, "get the integer sign", [&] { return H5Tget_sign(stored); });
  const H5T_sign_t wanted_sign =
      checked(where, "get the integer sign", [&] { return H5Tget_sign(wanted); });
  if (stored_sign == H5T_SGN_2 && wanted_sign == H5T_SGN_NONE) {
    throw ArchiveError(where.file, where.object,
                       fmt::format("{} holds signed integers; reading them as unsigned ones would "
                                   "clip negative values",
                                   what));
  }
  if (stored_sign == H5T_SGN_NONE && wanted_sign == H5T_SGN_2 && stored_size == wanted_size) {
    throw ArchiveError(where.file, where.object,
                       fmt::format("{} holds {}-byte unsigned integers; reading them as signed "
                                   "ones of the same size would clip large values",
                                   what, stored_size));
  }
}

}  // namespace ns::h5::detail
