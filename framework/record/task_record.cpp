#include "record/task_record.hpp"

#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "record/bytes.hpp"
#include "record/legacy_record.hpp"
#include "record/record_fields.hpp"

// Encoding, version 5 (numbers little-endian): u32 magic "NSTR", u32 version, then the fields
// that Fields<TaskRecord> declares (record_fields.hpp), in their order:
//   value         text and TextCodec types: u64 length + bytes; bool: u8 0 or 1; double: f64;
//                 std::uint64_t: u64; other integers: i64
//   array         u64 count, then the values (f64, i64 or f32)
//   matrix        u64 rows, u64 cols, then rows x cols f32 row by row
//   group         its fields
//   rows          u64 count, then each element's fields
//   optional_row  u8 0, or u8 1 and the element's fields
//   derived       nothing
// Nothing may follow. Any change to the declarations' order or types bumps kVersion; versions 2
// to 4 are read by legacy_record.cpp.

namespace ns {
namespace {

constexpr std::uint32_t kMagic = 0x5254534E;  // "NSTR" as little-endian bytes
constexpr std::uint32_t kVersion = 5;

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Writes the fields of a record, or of a part of one.
class ByteEncoder {
 public:
  static constexpr bool kReads = false;
  explicit ByteEncoder(bytes::Writer& out) : out_(out) {}

  template <class T>
  void value(const char*, const T& x) {
    constexpr ValueKind kind = value_kind<T>();
    if constexpr (kind == ValueKind::Text)
      out_.str(x);
    else if constexpr (kind == ValueKind::Bool)
      out_.u8(x ? 1 : 0);
    else if constexpr (kind == ValueKind::Float)
      out_.f64(x);
    else if constexpr (kind == ValueKind::UInt)
      out_.u64(x);
    else if constexpr (kind == ValueKind::Int)
      out_.i64(static_cast<std::int64_t>(x));
    else
      out_.str(TextCodec<T>::text(x));
  }
  void array(const char*, std::span<const double> a) {
    out_.u64(a.size());
    out_.f64_array(a.data(), a.size());
  }
  void array(const char*, const std::vector<std::int64_t>& a) {
    out_.u64(a.size());
    for (std::int64_t x : a) out_.i64(x);
  }
  void array(const char*, const Eigen::VectorXf& a) {
    out_.u64(static_cast<std::uint64_t>(a.size()));
    out_.f32_array(a.data(), static_cast<std::size_t>(a.size()));
  }
  void matrix(const char*, const char*, const char*, const Eigen::MatrixXf& m) {
    out_.u64(static_cast<std::uint64_t>(m.rows()));
    out_.u64(static_cast<std::uint64_t>(m.cols()));
    const RowMajorMatrix by_rows = m;
    out_.f32_array(by_rows.data(), static_cast<std::size_t>(by_rows.size()));
  }
  template <class S>
  void group(const char*, const S& s) {
    Fields<S>::visit(*this, s);
  }
  template <class S>
  void rows(const char*, const std::vector<S>& elements, const char*) {
    out_.u64(elements.size());
    for (const S& s : elements) Fields<S>::visit(*this, s);
  }
  template <class S>
  void optional_row(const char*, const std::optional<S>& element) {
    out_.u8(element ? 1 : 0);
    if (element) Fields<S>::visit(*this, *element);
  }
  template <class G>
  void derived(const char*, G&&) {}

 private:
  bytes::Writer& out_;
};

// The bytes ByteEncoder writes; with kMinimum, the fewest that any element of a type takes
// (every array and list empty), which bounds the element count a decoder accepts.
template <bool kMinimum>
class ByteCounter {
 public:
  static constexpr bool kReads = false;

  template <class T>
  void value(const char*, const T& x) {
    constexpr ValueKind kind = value_kind<T>();
    if constexpr (kind == ValueKind::Bool)
      n_ += 1;
    else if constexpr (kind == ValueKind::Text)
      n_ += 8 + (kMinimum ? 0 : x.size());
    else if constexpr (kind == ValueKind::Coded)
      n_ += 8 + (kMinimum ? 0 : TextCodec<T>::text(x).size());
    else
      n_ += 8;
  }
  template <class A>
  void array(const char*, const A& a) {
    n_ += 8 + (kMinimum ? 0 : sizeof(a[0]) * static_cast<std::size_t>(a.size()));
  }
  void matrix(const char*, const char*, const char*, const Eigen::MatrixXf& m) {
    n_ += 16 + (kMinimum ? 0 : sizeof(float) * static_cast<std::size_t>(m.size()));
  }
  template <class S>
  void group(const char*, const S& s) {
    Fields<S>::visit(*this, s);
  }
  template <class S>
  void rows(const char*, const std::vector<S>& elements, const char*) {
    n_ += 8;
    if constexpr (!kMinimum)
      for (const S& s : elements) Fields<S>::visit(*this, s);
  }
  template <class S>
  void optional_row(const char*, const std::optional<S>& element) {
    n_ += 1;
    if (!kMinimum && element) Fields<S>::visit(*this, *element);
  }
  template <class G>
  void derived(const char*, G&&) {}

  std::size_t bytes() const { return n_; }

 private:
  std::size_t n_ = 0;
};

template <class S>
std::size_t encoded_bytes(const S& s) {
  ByteCounter<false> counter;
  Fields<S>::visit(counter, s);
  return counter.bytes();
}

template <class S>
std::size_t fewest_bytes() {
  static const std::size_t n = [] {
    ByteCounter<true> counter;
    const S empty{};
    Fields<S>::visit(counter, empty);
    return counter.bytes();
  }();
  return n;
}

// Reads what ByteEncoder wrote; any malformed input fails through the reader.
class ByteDecoder {
 public:
  static constexpr bool kReads = true;
  explicit ByteDecoder(bytes::Reader& in) : in_(in) {}

  template <class T>
  void value(const char* name, T& x) {
    constexpr ValueKind kind = value_kind<T>();
    if constexpr (kind == ValueKind::Text) {
      x = in_.str();
    } else if constexpr (kind == ValueKind::Bool) {
      const std::uint8_t b = in_.u8();
      if (b > 1) in_.fail(fmt::format("{} is {}, neither 0 nor 1", name, b));
      x = b == 1;
    } else if constexpr (kind == ValueKind::Float) {
      x = in_.f64();
    } else if constexpr (kind == ValueKind::UInt) {
      x = in_.u64();
    } else if constexpr (kind == ValueKind::Int) {
      const std::int64_t v = in_.i64();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
        in_.fail(fmt::format("{} = {} is out of range", name, v));
      x = static_cast<T>(v);
    } else {
      const std::string text = in_.str();
      const std::optional<T> parsed = TextCodec<T>::parse(text);
      if (!parsed)
        in_.fail(
            fmt::format("unknown {} '{}' (expected {})", name, text, TextCodec<T>::expected()));
      x = *parsed;
    }
  }
  void array(const char*, std::vector<double>& a) { a = in_.f64s(); }
  void array(const char* name, std::vector<std::int64_t>& a) {
    a.resize(in_.count(sizeof(std::int64_t), name));
    for (std::int64_t& x : a) x = in_.i64();
  }
  void array(const char* name, Eigen::VectorXf& a) {
    a.resize(static_cast<Eigen::Index>(in_.count(sizeof(float), name)));
    in_.f32_array(a.data(), static_cast<std::size_t>(a.size()));
  }
  void matrix(const char* name, const char*, const char*, Eigen::MatrixXf& m) {
    const std::uint64_t rows = in_.u64(), cols = in_.u64();
    // Bounded one by one too: a 0 x huge matrix holds no values but cannot be sized.
    constexpr std::uint64_t kMaxNeurons = std::uint64_t{1} << 31;
    if (rows > kMaxNeurons || cols > kMaxNeurons)
      in_.fail(fmt::format("a {} x {} matrix {} is implausibly large", rows, cols, name));
    if (rows != 0 && cols > in_.remaining() / sizeof(float) / rows)
      in_.fail(fmt::format("truncated: a {} x {} matrix {} does not fit", rows, cols, name));
    RowMajorMatrix by_rows(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    in_.f32_array(by_rows.data(), static_cast<std::size_t>(by_rows.size()));
    m = by_rows;
  }
  template <class S>
  void group(const char*, S& s) {
    Fields<S>::visit(*this, s);
  }
  template <class S>
  void rows(const char* table, std::vector<S>& elements, const char*) {
    elements.resize(in_.count(fewest_bytes<S>(), table));
    for (S& s : elements) Fields<S>::visit(*this, s);
  }
  template <class S>
  void optional_row(const char* table, std::optional<S>& element) {
    switch (in_.u8()) {
      case 0:
        element.reset();
        break;
      case 1:
        Fields<S>::visit(*this, element.emplace());
        break;
      default:
        in_.fail(fmt::format("the flag of the optional {} is neither 0 nor 1", table));
    }
  }
  template <class G>
  void derived(const char*, G&&) {}

 private:
  bytes::Reader& in_;
};

void check_encodable(const TaskRecord& r) {
  if (const std::string problem = record_problem(r); !problem.empty())
    throw Error(fmt::format("cannot encode task record {}: {}", r.id, problem));
}

}  // namespace

std::string record_problem(const TaskRecord& r) {
  if (std::string problem = r.noise.problem(); !problem.empty()) return problem;
  if (const std::string problem = network_stats_problem(r.stats); !problem.empty())
    return "network statistics: " + problem;
  return "";
}

const char* to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::Done:
      return "done";
    case TaskStatus::Failed:
      return "failed";
    case TaskStatus::Diverged:
      return "diverged";
  }
  return "unknown";
}

TaskStatus parse_task_status(std::string_view text) {
  if (const std::optional<TaskStatus> s = TextCodec<TaskStatus>::parse(text)) return *s;
  throw Error(fmt::format("unknown task status '{}' (expected {})", text,
                          TextCodec<TaskStatus>::expected()));
}

std::string encode(const TaskRecord& r) {
  bytes::Writer out;
  encode_to(out, r);
  return out.take();
}

void encode_to(bytes::Writer& out, const TaskRecord& r) {
  check_encodable(r);
  out.u32(kMagic);
  out.u32(kVersion);
  ByteEncoder encoder(out);
  Fields<TaskRecord>::visit(encoder, r);
}

TaskRecord decode(std::string_view bytes) {
  bytes::Reader in(bytes, "task record");
  if (const std::uint32_t magic = in.u32(); magic != kMagic)
    in.fail(fmt::format("bad magic number {:#010x}: not a task record", magic));
  const std::uint32_t version = in.u32();
  if (version < kOldestLegacyRecordVersion || version > kVersion)
    in.fail(fmt::format("format version {} (this build reads versions {} to {})", version,
                        kOldestLegacyRecordVersion, kVersion));
  TaskRecord r;
  if (version <= kNewestLegacyRecordVersion) {
    r = decode_legacy_record(in, version);
  } else {
    ByteDecoder decoder(in);
    Fields<TaskRecord>::visit(decoder, r);
  }
  if (const std::string problem = record_problem(r); !problem.empty()) in.fail(problem);
  in.expect_end();
  return r;
}

std::string encode(const ModelWeights& weights) {
  bytes::Writer out;
  out.reserve(encoded_bytes(weights));
  ByteEncoder encoder(out);
  Fields<ModelWeights>::visit(encoder, weights);
  return out.take();
}

ModelWeights decode_weights(std::string_view bytes) {
  bytes::Reader in(bytes, "weights");
  ModelWeights weights;
  ByteDecoder decoder(in);
  Fields<ModelWeights>::visit(decoder, weights);
  in.expect_end();
  return weights;
}

std::size_t approximate_bytes(const TaskRecord& r) {
  return sizeof r + encoded_bytes(r);
}

}  // namespace ns
