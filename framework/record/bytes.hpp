#pragma once
// Little-endian binary encoding for the sweep's byte formats: task records (MPI messages and
// journal payloads) and the journal's framing. The writer appends; the reader is bounds-checked
// and never reads past its input, so malformed bytes become
// ns::Error("corrupt <what>: ... at byte N") and never undefined behaviour.
//
// Numbers are fixed-width little-endian whatever the host; doubles and floats travel as their
// bit patterns, so NaN payloads and -0.0 survive. Strings and arrays are a u64 count, then data.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ns::bytes {

namespace detail {

template <class U>
void store_le(char* out, U value) {
  static_assert(std::is_unsigned_v<U>);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &value, sizeof value);
  } else {
    for (std::size_t i = 0; i < sizeof value; ++i)
      out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  }
}

template <class U>
U load_le(const char* in) {
  static_assert(std::is_unsigned_v<U>);
  U value = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, in, sizeof value);
  } else {
    for (std::size_t i = 0; i < sizeof value; ++i)
      value |= static_cast<U>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return value;
}

}  // namespace detail

class Writer {
 public:
  void u8(std::uint8_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v)); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v)); }
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }
  void str(std::string_view s);                             // u64 length, then the bytes
  void f64s(const std::vector<double>& values);             // u64 count, then the values
  void f64_array(const double* values, std::size_t count);  // the values only, no count
  void f32_array(const float* values, std::size_t count);   // likewise
  void raw(std::string_view bytes) { out_.append(bytes); }

  // Overwrites bytes already written, e.g. a length or checksum known only at the end.
  void patch_u32(std::size_t at, std::uint32_t v) { detail::store_le(out_.data() + at, v); }
  void patch_u64(std::size_t at, std::uint64_t v) { detail::store_le(out_.data() + at, v); }

  std::size_t size() const { return out_.size(); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }
  void reserve(std::size_t n) { out_.reserve(n); }
  void clear() { out_.clear(); }  // keeps the capacity: a reused writer does not reallocate

 private:
  template <class U>
  void put(U v) {
    const std::size_t at = out_.size();
    out_.resize(at + sizeof v);
    detail::store_le(out_.data() + at, v);
  }
  std::string out_;
};

class Reader {
 public:
  // `what` names the format in errors, e.g. "task record".
  Reader(std::string_view in, std::string what) : in_(in), what_(std::move(what)) {}

  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int32_t i32() { return static_cast<std::int32_t>(get<std::uint32_t>()); }
  std::int64_t i64() { return static_cast<std::int64_t>(get<std::uint64_t>()); }
  double f64() { return std::bit_cast<double>(get<std::uint64_t>()); }
  std::string str();
  std::vector<double> f64s();
  void f32_array(float* out, std::size_t count);
  std::string_view raw(std::size_t count);

  // Reads a u64 element count and checks that that many elements of `element_size` bytes can
  // still follow, so a garbled count fails here instead of in a huge allocation.
  std::size_t count(std::size_t element_size, std::string_view of_what);
  // Checks that `count` elements of `element_size` bytes still follow (without overflow).
  void need(std::uint64_t count, std::size_t element_size, std::string_view of_what) const;

  std::size_t offset() const { return at_; }
  std::size_t remaining() const { return in_.size() - at_; }
  void expect_end() const;  // trailing bytes are corruption too
  [[noreturn]] void fail(std::string_view why) const;

 private:
  template <class U>
  U get() {
    need(1, sizeof(U), "a number");
    const U v = detail::load_le<U>(in_.data() + at_);
    at_ += sizeof(U);
    return v;
  }
  std::string_view in_;
  std::size_t at_ = 0;
  std::string what_;
};

}  // namespace ns::bytes
