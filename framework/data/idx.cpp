#include "data/idx.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.hpp"

namespace ns::data {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr std::size_t kImagesHeader = 16;
constexpr std::size_t kLabelsHeader = 8;
// Larger values are not images but a corrupt header; rejecting them early avoids huge allocations.
constexpr std::uint32_t kMaxSide = 16384;
constexpr std::uint32_t kMaxCount = static_cast<std::uint32_t>(std::numeric_limits<int>::max());

std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void put_be32(unsigned char* p, std::uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

// An open IDX file whose header has been read; the body follows at the current position.
struct IdxFile {
  std::ifstream in;
  std::uintmax_t size = 0;  // whole file, in bytes
  unsigned char header[kImagesHeader] = {};
};

IdxFile open_idx(const std::string& path, std::size_t header_bytes, std::uint32_t magic,
                 const char* kind) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw DataError(path, "file not found");
  if (!fs::is_regular_file(status)) throw DataError(path, "not a regular file");
  IdxFile f;
  f.size = fs::file_size(path, ec);
  if (ec) throw DataError(path, fmt::format("cannot determine file size: {}", ec.message()));
  f.in.open(path, std::ios::binary);
  if (!f.in) throw DataError(path, "cannot open file for reading");
  if (f.size < header_bytes)
    throw DataError(
        path, fmt::format("file has {} bytes, too short for an IDX {} header ({} bytes)", f.size,
                          kind, header_bytes));
  if (!f.in.read(reinterpret_cast<char*>(f.header), static_cast<std::streamsize>(header_bytes)))
    throw DataError(path, "cannot read the IDX header");
  const std::uint32_t found = read_be32(f.header);
  if (found != magic) {
    std::string hint;
    if (f.header[0] == 0x1f && f.header[1] == 0x8b)
      hint = "; the file is gzip-compressed, gunzip it first";
    else if (found == kImagesMagic || found == kLabelsMagic)
      hint = fmt::format("; this is an IDX {} file", found == kImagesMagic ? "image" : "label");
    throw DataError(path, fmt::format("wrong magic number 0x{:08x}, expected 0x{:08x} (IDX {}){}",
                                      found, magic, kind, hint));
  }
  return f;
}

// The body must be exactly what the header announces: neither truncated nor padded.
void check_length(const std::string& path, const IdxFile& f, std::uint64_t expected,
                  const std::string& layout) {
  if (f.size == expected) return;
  const std::string problem = f.size < expected
                                  ? fmt::format("truncated, {} bytes missing", expected - f.size)
                                  : fmt::format("{} trailing bytes", f.size - expected);
  throw DataError(path, fmt::format("header says {} = {} bytes, but the file has {} bytes ({})",
                                    layout, expected, f.size, problem));
}

void read_body(const std::string& path, IdxFile& f, std::uint8_t* out, std::size_t bytes) {
  if (!f.in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(bytes)))
    throw DataError(path, "read error in the IDX body");
}

void write_all(const std::string& path, const unsigned char* header, std::size_t header_bytes,
               const std::uint8_t* body, std::size_t body_bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw DataError(path, "cannot open file for writing");
  out.write(reinterpret_cast<const char*>(header), static_cast<std::streamsize>(header_bytes));
  out.write(reinterpret_cast<const char*>(body), static_cast<std::streamsize>(body_bytes));
  out.close();
  if (!out) throw DataError(path, "write failed");
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  IdxFile f = open_idx(path, kImagesHeader, kImagesMagic, "images");
  const std::uint32_t count = read_be32(f.header + 4);
  const std::uint32_t rows = read_be32(f.header + 8);
  const std::uint32_t cols = read_be32(f.header + 12);
  if (count == 0 || rows == 0 || cols == 0)
    throw DataError(
        path, fmt::format("header has a zero dimension ({} images of {}x{})", count, rows, cols));
  if (count > kMaxCount || rows > kMaxSide || cols > kMaxSide)
    throw DataError(path, fmt::format("header has implausible dimensions ({} images of {}x{})",
                                      count, rows, cols));
  const std::uint64_t body = std::uint64_t{count} * rows * cols;
  check_length(
      path, f, kImagesHeader + body,
      fmt::format("{} images of {}x{} plus {} header bytes", count, rows, cols, kImagesHeader));
  IdxImages images;
  images.count = static_cast<int>(count);
  images.rows = static_cast<int>(rows);
  images.cols = static_cast<int>(cols);
  images.pixels.resize(static_cast<std::size_t>(body));
  read_body(path, f, images.pixels.data(), images.pixels.size());
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path, int classes,
                                          const std::string& classes_source) {
  if (classes < 1 || classes > 256)
    throw Error(fmt::format("read_idx_labels: classes must be in [1, 256], got {}", classes));
  IdxFile f = open_idx(path, kLabelsHeader, kLabelsMagic, "labels");
  const std::uint32_t count = read_be32(f.header + 4);
  if (count == 0) throw DataError(path, "header announces zero labels");
  if (count > kMaxCount)
    throw DataError(path, fmt::format("header has an implausible label count {}", count));
  check_length(path, f, kLabelsHeader + std::uint64_t{count},
               fmt::format("{} labels plus {} header bytes", count, kLabelsHeader));
  std::vector<std::uint8_t> labels(count);
  read_body(path, f, labels.data(), labels.size());
  const auto bad = std::find_if(labels.begin(), labels.end(),
                                [classes](std::uint8_t v) { return v >= classes; });
  if (bad != labels.end()) {
    const auto how_many = std::count_if(labels.begin(), labels.end(),
                                        [classes](std::uint8_t v) { return v >= classes; });
    throw DataError(path,
                    fmt::format("label {} at index {} is out of range [0, {}) ({}{} bad "
                                "labels in total)",
                                *bad, bad - labels.begin(), classes,
                                classes_source.empty() ? "" : classes_source + "; ", how_many));
  }
  return labels;
}

void write_idx_images(const std::string& path, const IdxImages& images) {
  if (images.count <= 0 || images.rows <= 0 || images.cols <= 0)
    throw DataError(path, fmt::format("refusing to write {} images of {}x{}", images.count,
                                      images.rows, images.cols));
  const std::uint64_t body = std::uint64_t(images.count) * images.rows * images.cols;
  if (images.pixels.size() != body)
    throw DataError(path, fmt::format("{} images of {}x{} need {} pixels, got {}", images.count,
                                      images.rows, images.cols, body, images.pixels.size()));
  unsigned char header[kImagesHeader];
  put_be32(header, kImagesMagic);
  put_be32(header + 4, static_cast<std::uint32_t>(images.count));
  put_be32(header + 8, static_cast<std::uint32_t>(images.rows));
  put_be32(header + 12, static_cast<std::uint32_t>(images.cols));
  write_all(path, header, kImagesHeader, images.pixels.data(), images.pixels.size());
}

void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels) {
  if (labels.empty()) throw DataError(path, "refusing to write an empty label file");
  if (labels.size() > kMaxCount) throw DataError(path, "too many labels for an IDX file");
  unsigned char header[kLabelsHeader];
  put_be32(header, kLabelsMagic);
  put_be32(header + 4, static_cast<std::uint32_t>(labels.size()));
  write_all(path, header, kLabelsHeader, labels.data(), labels.size());
}

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes,
                      const std::string& classes_source) {
  const IdxImages images = read_idx_images(images_path);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_path, classes, classes_source);
  if (labels.size() != static_cast<std::size_t>(images.count))
    throw DataError(labels_path, fmt::format("has {} labels but {} has {} images; the counts must "
                                             "agree",
                                             labels.size(), images_path, images.count));
  const int features = images.rows * images.cols;
  // Pixel p of image s sits at pixels[s * features + p]: exactly a column-major features x
  // samples matrix, so one map converts the whole file.
  using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Map<const ByteMatrix> raw(images.pixels.data(), features, images.count);
  Dataset d;
  d.x = raw.cast<float>() / 255.0f;
  d.y =
      Eigen::Map<const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1>>(labels.data(), images.count)
          .cast<int>();
  d.classes = classes;
  return d;
}

}  // namespace ns::data
