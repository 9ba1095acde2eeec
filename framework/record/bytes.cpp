#include "record/bytes.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns::bytes {

void Writer::str(std::string_view s) {
  u64(s.size());
  out_.append(s);
}

namespace {

// Arrays of IEEE numbers as little-endian bit patterns; one copy on little-endian hosts (1.3 MB
// of weights per record makes the element loop show up in the coordinator's budget).
template <class Bits, class Value>
void store_array(char* out, const Value* values, std::size_t count) {
  static_assert(sizeof(Bits) == sizeof(Value));
  if constexpr (std::endian::native == std::endian::little) {
    if (count != 0) std::memcpy(out, values, count * sizeof(Value));
  } else {
    for (std::size_t i = 0; i < count; ++i)
      detail::store_le(out + i * sizeof(Bits), std::bit_cast<Bits>(values[i]));
  }
}

template <class Bits, class Value>
void load_array(Value* out, const char* in, std::size_t count) {
  static_assert(sizeof(Bits) == sizeof(Value));
  if constexpr (std::endian::native == std::endian::little) {
    if (count != 0) std::memcpy(out, in, count * sizeof(Value));
  } else {
    for (std::size_t i = 0; i < count; ++i)
      out[i] = std::bit_cast<Value>(detail::load_le<Bits>(in + i * sizeof(Bits)));
  }
}

}  // namespace

void Writer::f64s(const std::vector<double>& values) {
  u64(values.size());
  f64_array(values.data(), values.size());
}

void Writer::f64_array(const double* values, std::size_t count) {
  const std::size_t at = out_.size();
  out_.resize(at + count * sizeof(double));
  store_array<std::uint64_t>(out_.data() + at, values, count);
}

void Writer::f32_array(const float* values, std::size_t count) {
  const std::size_t at = out_.size();
  out_.resize(at + count * sizeof(float));
  store_array<std::uint32_t>(out_.data() + at, values, count);
}

std::string Reader::str() {
  const std::size_t n = count(1, "a string");
  return std::string(raw(n));
}

std::vector<double> Reader::f64s() {
  const std::size_t n = count(sizeof(double), "a list of numbers");
  std::vector<double> values(n);
  load_array<std::uint64_t>(values.data(), in_.data() + at_, n);
  at_ += n * sizeof(double);
  return values;
}

void Reader::f32_array(float* out, std::size_t count) {
  need(count, sizeof(float), "an array of numbers");
  load_array<std::uint32_t>(out, in_.data() + at_, count);
  at_ += count * sizeof(float);
}

std::string_view Reader::raw(std::size_t count) {
  need(count, 1, "bytes");
  const std::string_view bytes = in_.substr(at_, count);
  at_ += count;
  return bytes;
}

std::size_t Reader::count(std::size_t element_size, std::string_view of_what) {
  const std::uint64_t n = u64();
  need(n, element_size, of_what);
  return static_cast<std::size_t>(n);
}

void Reader::need(std::uint64_t count, std::size_t element_size, std::string_view of_what) const {
  // Divide rather than multiply: a garbled count times the element size may overflow.
  if (element_size != 0 && count > remaining() / element_size) {
    fail(fmt::format("truncated: {} needs {} x {} bytes, {} left", of_what, count, element_size,
                     remaining()));
  }
}

void Reader::expect_end() const {
  if (remaining() != 0) fail(fmt::format("{} unexpected bytes after the end", remaining()));
}

void Reader::fail(std::string_view why) const {
  throw Error(fmt::format("corrupt {}: {} (at byte {} of {})", what_, why, at_, in_.size()));
}

}  // namespace ns::bytes
