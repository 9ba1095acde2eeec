#pragma once
// The coordinator's journal (ARCHIVE.h5.journal): every finished task is appended the moment it
// is reported, with one write(2), before anything else happens to it. A write that returned
// sits in the page cache and survives SIGKILL; sync() (fdatasync, about once per second) makes
// it survive a node crash as well. Resume reads the journal back; the HDF5 archive is built
// from it.
//
// File layout (integers little-endian):
//   header:  8 bytes "NSJOURNL", u32 format version (1), 32 bytes study hash (ASCII hex)
//   records: u32 magic "NSJR", u64 payload length, u64 checksum, payload = encode(TaskRecord)
//            checksum = XXH64 of the 8 length bytes followed by the payload
// The header is written to a temporary file and renamed into place, so a journal either does not
// exist or has a whole header.
//
// A crash can leave the last record cut short (torn). Reading stops there and reports it;
// opening for append truncates it away. A damaged record between whole ones (possible only
// after a node crash or disk fault, never after SIGKILL) is skipped and reported, and the
// records after it are kept: dropping them would lose tasks already reported done.
#include <cstdint>
#include <string>
#include <vector>

#include "io/posix_file.hpp"
#include "record/bytes.hpp"
#include "record/task_record.hpp"

namespace ns {

inline constexpr int kJournalFormatVersion = 1;

// Where the journal of the archive at `archive_path` lives: ARCHIVE.h5.journal.
inline std::string journal_path(const std::string& archive_path) {
  return archive_path + ".journal";
}

struct JournalReadReport {
  std::size_t records = 0;            // whole records read
  std::uint64_t end_of_records = 0;   // byte just past the last whole record
  std::uint64_t torn_bytes = 0;       // bytes after it, holding no whole record (dropped)
  std::uint64_t damaged_bytes = 0;    // bytes skipped between whole records
  std::vector<std::string> problems;  // one line per torn tail or damaged stretch, for the log
};

// Every whole record, in the order appended. Throws ArchiveError if the file is missing, is not
// a journal, belongs to another study, or holds a record that passes its checksum but does not
// decode (a journal from an incompatible build).
std::vector<TaskRecord> read_journal(const std::string& path, const std::string& study_hash,
                                     JournalReadReport* report = nullptr);

class JournalWriter {
 public:
  // Creates the journal, or opens an existing one of the same study and cuts off a torn last
  // record so appends continue after the last whole one. Takes an exclusive lock on the file:
  // a second writer (another coordinator on the same archive) is refused, not interleaved.
  static JournalWriter open_or_create(const std::string& path, const std::string& study_hash,
                                      JournalReadReport* report = nullptr);

  // Appends one record with a single write(2) (retried only if the kernel writes part of it).
  // If the write fails, the file is cut back to its previous end before the error is thrown.
  void append(const TaskRecord& record);
  void sync();  // fdatasync: what was appended survives a node crash
  // Drops every record, keeping the header (with `study_hash` in it), in place: once the
  // archive holds them. Needs no disk space, and the file (and its lock) stays open throughout.
  void clear(const std::string& study_hash);

  const std::string& path() const { return file_.path(); }
  std::uint64_t size() const { return end_; }

 private:
  JournalWriter(posix::FileDescriptor file, std::uint64_t end)
      : file_(std::move(file)), end_(end) {}
  posix::FileDescriptor file_;
  std::uint64_t end_;
  bytes::Writer frame_;  // reused: fresh megabyte buffers would cost page faults per record
};

}  // namespace ns
