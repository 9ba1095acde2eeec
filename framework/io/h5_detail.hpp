#pragma once
// The HDF5 helpers that io/h5.cpp and io/h5_table.cpp share: the one checked call that turns
// HDF5 failures into ns::ArchiveError, and the type and dataspace plumbing around it. Not for use
// outside io/.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>

#include "core/error.hpp"
#include "io/h5.hpp"

namespace ns::h5::detail {

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

// HDF5's explanation of the failed call: the API entry says what failed, the innermost entry
// why (e.g. "name already exists", or errno's text); the levels between add little.
std::string take_error_stack();

// Where a failure happened: the file and the object path inside it.
struct Where {
  const std::string& file;
  std::string object;
};

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
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else {
    static_assert(std::is_same_v<T, std::int64_t>, "no HDF5 type mapped for this C++ type");
    return H5T_NATIVE_INT64;
  }
}

Where at(const Group& g);

const char* class_name(H5T_class_t c);

std::string child_path(const Group& g, const std::string& name);

Handle utf8_string_type(const Where& where);

// Shape of the data: a scalar dataspace for no dims, a simple one otherwise.
Handle make_space(const Where& where, const std::vector<hsize_t>& dims);

std::vector<hsize_t> space_dims(const Where& where, hid_t space);

std::size_t element_count(const std::vector<hsize_t>& dims);

// Lets "a/b" create "a" on the way, as `mkdir -p` would.
Handle intermediate_groups_lcpl(const Where& where);

// Refuses reads that would change the kind of value or silently drop precision.
void check_readable_as(const Where& where, const std::string& what, hid_t stored, hid_t wanted);

using HdfMemory = std::unique_ptr<char, herr_t (*)(void*)>;

// `count` strings of the stored string type `type`, fixed- or variable-length. `read_into`
// fills a buffer of that type; reading with the stored type itself avoids character-set
// conversions between ASCII and UTF-8 strings written by other tools.
template <class ReadInto>
std::vector<std::string> read_stored_strings(const Where& where, hid_t type, std::size_t count,
                                             ReadInto&& read_into) {
  std::vector<std::string> out;
  if (count == 0) return out;
  out.reserve(count);
  if (checked(where, "inspect the string type", [&] { return H5Tis_variable_str(type); }) > 0) {
    std::vector<char*> raw(count, nullptr);
    read_into(static_cast<void*>(raw.data()));
    for (char* s : raw) {
      const HdfMemory owned(s, H5free_memory);
      out.emplace_back(s ? s : "");
    }
    return out;
  }
  const std::size_t size = checked(where, "get the string size", [&] { return H5Tget_size(type); });
  std::string block(count * size, '\0');
  read_into(static_cast<void*>(block.data()));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view padded(block.data() + i * size, size);
    out.emplace_back(padded.substr(0, padded.find('\0')));  // NUL-padded
  }
  return out;
}

}  // namespace ns::h5::detail
