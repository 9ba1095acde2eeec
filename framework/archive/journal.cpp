#include "archive/journal.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include <fcntl.h>
#include <sys/file.h>

#include <fmt/format.h>

#include "archive/checksum.hpp"
#include "core/error.hpp"
#include "record/bytes.hpp"

namespace ns {
namespace {

constexpr std::string_view kHeaderMagic = "NSJOURNL";
constexpr std::size_t kHashLength = 32;
constexpr std::size_t kHeaderSize = kHeaderMagic.size() + 4 + kHashLength;
constexpr std::string_view kRecordMarker = "NSJR";
constexpr std::uint32_t kRecordMagic = 0x524A534E;  // kRecordMarker as a little-endian u32
constexpr std::size_t kFrameHeaderSize = 4 + 8 + 8;

// The length seeds the hash, so a damaged length field fails the check like damaged data.
std::uint64_t record_checksum(std::string_view payload) {
  return xxh64(payload, payload.size());
}

void check_hash_format(const std::string& path, const std::string& hash) {
  const bool hex =
      std::all_of(hash.begin(), hash.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (hash.size() != kHashLength || !hex) {
    throw ArchiveError(path, "",
                       fmt::format("study hash '{}' is not {} hex digits", hash, kHashLength));
  }
}

std::string header_bytes(const std::string& study_hash) {
  bytes::Writer out;
  out.raw(kHeaderMagic);
  out.u32(kJournalFormatVersion);
  out.raw(study_hash);
  return out.take();
}

void check_header(const posix::FileDescriptor& file, const std::string& study_hash) {
  const std::string& path = file.path();
  std::string header(kHeaderSize, '\0');
  const std::size_t got = file.read_at(0, header.data(), header.size());
  if (got < kHeaderMagic.size() ||
      std::string_view(header).substr(0, kHeaderMagic.size()) != kHeaderMagic)
    throw ArchiveError(path, "", "not a noisesweep journal (no journal header)");
  if (got < kHeaderSize) {
    throw ArchiveError(
        path, "", fmt::format("journal header is cut short ({} of {} bytes)", got, kHeaderSize));
  }
  bytes::Reader in(std::string_view(header).substr(kHeaderMagic.size()), "journal header");
  if (const std::uint32_t version = in.u32(); version != kJournalFormatVersion) {
    throw ArchiveError(path, "",
                       fmt::format("journal format version {} (this build reads version {})",
                                   version, kJournalFormatVersion));
  }
  const std::string stored_hash(in.raw(kHashLength));
  if (stored_hash != study_hash) {
    throw ArchiveError(
        path, "",
        fmt::format("the journal belongs to study {}, not to this study ({}): it was written for "
                    "another study file, or the study file has changed since",
                    stored_hash, study_hash));
  }
}

enum class FrameState { Whole, Short, BadMagic, BadChecksum };

const char* describe(FrameState s) {
  switch (s) {
    case FrameState::Whole:
      return "a whole record";
    case FrameState::Short:
      return "a record cut short";
    case FrameState::BadMagic:
      return "no record marker";
    case FrameState::BadChecksum:
      return "a record that fails its checksum";
  }
  return "?";
}

struct Frame {
  FrameState state;
  std::uint64_t end = 0;  // byte after the record, when whole
  std::string payload;
};

Frame not_whole(FrameState state) {
  return Frame{state, 0, {}};
}

Frame read_frame(const posix::FileDescriptor& file, std::uint64_t offset, std::uint64_t size) {
  if (size - offset < kFrameHeaderSize) return not_whole(FrameState::Short);
  char raw_header[kFrameHeaderSize];
  file.read_at(offset, raw_header, sizeof raw_header);
  bytes::Reader header(std::string_view(raw_header, sizeof raw_header), "journal record");
  if (header.u32() != kRecordMagic) return not_whole(FrameState::BadMagic);
  const std::uint64_t length = header.u64(), checksum = header.u64();
  if (length > size - offset - kFrameHeaderSize) return not_whole(FrameState::Short);
  Frame frame{FrameState::Whole, offset + kFrameHeaderSize + length, std::string(length, '\0')};
  if (file.read_at(offset + kFrameHeaderSize, frame.payload.data(), length) != length)
    return not_whole(FrameState::Short);  // the file shrank under us
  if (record_checksum(frame.payload) != checksum) return not_whole(FrameState::BadChecksum);
  return frame;
}

// The first offset after `from` where a whole record starts, if any.
std::optional<std::uint64_t> find_next_frame(const posix::FileDescriptor& file, std::uint64_t from,
                                             std::uint64_t size) {
  constexpr std::size_t kChunk = 1 << 16;  // chunks overlap by 3 bytes: no marker is split
  std::string chunk(kChunk, '\0');
  for (std::uint64_t start = from; start + kRecordMarker.size() <= size; start += kChunk - 3) {
    const std::size_t got = file.read_at(start, chunk.data(), kChunk);
    const std::string_view view(chunk.data(), got);
    for (std::size_t at = view.find(kRecordMarker); at != std::string_view::npos;
         at = view.find(kRecordMarker, at + 1)) {
      if (read_frame(file, start + at, size).state == FrameState::Whole) return start + at;
    }
    if (got < kChunk) break;
  }
  return std::nullopt;
}

using RecordVisitor = std::function<void(std::uint64_t offset, std::string&& payload)>;

// Walks every record after the header; see journal.hpp for what happens to bad ones.
JournalReadReport scan_records(const posix::FileDescriptor& file, const RecordVisitor& visit) {
  const std::uint64_t size = file.size();
  JournalReadReport report;
  report.end_of_records = kHeaderSize;
  for (std::uint64_t offset = kHeaderSize; offset < size;) {
    Frame frame = read_frame(file, offset, size);
    if (frame.state == FrameState::Whole) {
      visit(offset, std::move(frame.payload));
      ++report.records;
      offset = frame.end;
      report.end_of_records = offset;
      continue;
    }
    const std::optional<std::uint64_t> next = find_next_frame(file, offset + 1, size);
    if (!next) {
      report.torn_bytes = size - offset;
      report.problems.push_back(fmt::format(
          "{}: the last {} bytes (from byte {}) hold {}, as a crash during a write leaves "
          "them; dropped",
          file.path(), report.torn_bytes, offset, describe(frame.state)));
      break;
    }
    report.damaged_bytes += *next - offset;
    report.problems.push_back(
        fmt::format("{}: bytes {} to {} hold {} and were skipped; whole records follow them",
                    file.path(), offset, *next, describe(frame.state)));
    offset = *next;
  }
  return report;
}

// Writes the header to a temporary file and renames it into place: no journal with half a
// header.
void create_journal(const std::string& path, const std::string& study_hash) {
  const std::string tmp = posix::unique_temp_path(path);
  try {
    posix::FileDescriptor::open(tmp, O_WRONLY | O_CREAT | O_EXCL)
        .write_all(header_bytes(study_hash));
    posix::replace_file(tmp, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace

std::vector<TaskRecord> read_journal(const std::string& path, const std::string& study_hash,
                                     JournalReadReport* report) {
  check_hash_format(path, study_hash);
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored))
    throw ArchiveError(path, "", "journal does not exist");
  const posix::FileDescriptor file = posix::FileDescriptor::open(path, O_RDONLY);
  if (file.size() == 0) {  // emptied for a new header when a crash came (JournalWriter::clear)
    if (report) *report = JournalReadReport{};
    return {};
  }
  check_header(file, study_hash);
  std::vector<TaskRecord> records;
  JournalReadReport found = scan_records(file, [&](std::uint64_t offset, std::string&& payload) {
    try {
      records.push_back(decode(payload));
    } catch (const Error& e) {
      throw ArchiveError(path, "", fmt::format("record at byte {}: {}", offset, e.what()));
    }
  });
  if (report) *report = std::move(found);
  return records;
}

JournalWriter JournalWriter::open_or_create(const std::string& path, const std::string& study_hash,
                                            JournalReadReport* report) {
  check_hash_format(path, study_hash);
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) create_journal(path, study_hash);
  posix::FileDescriptor file = posix::FileDescriptor::open(path, O_RDWR | O_APPEND);
  if (::flock(file.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw ArchiveError(path, "",
                         "the journal is locked by another process (is another coordinator "
                         "writing this archive?)");
    }
    throw ArchiveError(path, "", fmt::format("cannot lock the journal: {}", std::strerror(errno)));
  }
  if (file.size() == 0) file.write_all(header_bytes(study_hash));  // see clear()
  check_header(file, study_hash);
  JournalReadReport found = scan_records(file, [](std::uint64_t, std::string&&) {});
  if (found.torn_bytes > 0) {
    file.truncate(found.end_of_records);
    file.sync_data();
  }
  const std::uint64_t end = found.end_of_records;
  if (report) *report = std::move(found);
  return JournalWriter(std::move(file), end);
}

void JournalWriter::append(const TaskRecord& record) {
  // The record is encoded in place after a header whose length and checksum are filled in last.
  frame_.clear();
  frame_.u32(kRecordMagic);
  frame_.u64(0);
  frame_.u64(0);
  encode_to(frame_, record);
  const std::string_view payload = std::string_view(frame_.bytes()).substr(kFrameHeaderSize);
  frame_.patch_u64(4, payload.size());
  frame_.patch_u64(12, record_checksum(payload));
  try {
    file_.write_all(frame_.bytes());
  } catch (const ArchiveError&) {
    // A partial record (disk full, I/O error) would otherwise sit before the next append.
    try {
      file_.truncate(end_);
    } catch (const ArchiveError&) {
      // The reader skips a damaged stretch between whole records, so nothing is lost.
    }
    throw;
  }
  end_ += frame_.size();
}

void JournalWriter::sync() {
  file_.sync_data();
}

void JournalWriter::clear(const std::string& study_hash) {
  check_hash_format(file_.path(), study_hash);
  std::string header(kHeaderSize, '\0');
  file_.read_at(0, header.data(), header.size());
  if (header == header_bytes(study_hash)) {
    file_.truncate(kHeaderSize);
  } else {
    // A study file whose text (not its tasks) changed: a new header. Appends go to the end
    // (O_APPEND), so the file is emptied first; a crash in between leaves an empty journal,
    // which holds no task and is read as such.
    file_.truncate(0);
    file_.write_all(header_bytes(study_hash));
  }
  file_.sync_data();
  end_ = kHeaderSize;
}

}  // namespace ns
