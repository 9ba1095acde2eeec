#pragma once
// The few POSIX file operations that crash safety needs and the standard library lacks: an
// owned descriptor, whole writes, data syncs, and the fsync + rename + directory fsync that
// replaces a file atomically. Failures throw ArchiveError naming the file and errno's text.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace ns::posix {

// Owns one file descriptor and closes it.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  FileDescriptor(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  // open(2) with these flags (and mode 0644 when creating); throws if it fails.
  static FileDescriptor open(const std::string& path, int flags);
  std::string read_all() const;  // the whole file, from its start

  int get() const { return fd_; }
  const std::string& path() const { return path_; }

  // Writes every byte, retrying partial writes and EINTR.
  void write_all(std::string_view bytes) const;
  // Reads up to out.size() bytes at `offset` (fewer only at the end of the file).
  std::size_t read_at(std::uint64_t offset, char* out, std::size_t count) const;
  std::uint64_t size() const;
  void truncate(std::uint64_t size) const;
  void sync_data() const;  // fdatasync: the data and the size, not the other metadata
  void sync() const;       // fsync

 private:
  void close() noexcept;
  int fd_ = -1;
  std::string path_;
};

// PATH.tmp.<pid>.<random>: a temporary name next to `path` that no other process or call uses,
// so concurrent writers never write into, rename or remove each other's temporary files.
std::string unique_temp_path(const std::string& path);

// A file name in memory-backed scratch space (/dev/shm, else the system's temporary folder) that
// no other process uses; the file is removed when this goes away. For files that a library
// writes by name but that must reach their disk through checked writes.
class ScratchFile {
 public:
  ScratchFile();
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Allocates `bytes` more disk space at the end of the existing file `path` (posix_fallocate),
// so that what is then written there cannot fail for want of space; throws ArchiveError naming
// the file and the reason (e.g. "No space left on device", a quota) if the disk cannot give it.
// The file's size grows by `bytes` (zeros) until its writer truncates it.
void reserve_space(const std::string& path, std::uint64_t bytes);

// Syncs the directory that holds `path`, so a file created or renamed there survives a crash.
void sync_parent_directory(const std::string& path);

// Makes `to` name the complete file `from` (already written and closed) in one step: fsync
// `from`, rename(2) it over `to`, then fsync the directory. A reader or a crash sees either the
// old `to` or the new one, never a mixture.
void replace_file(const std::string& from, const std::string& to);

// Throws ArchiveError, saying what to do, if a file cannot be written at `path`: it is a folder,
// or a part of its folder path is a file. Missing folders are fine (they can be made).
void check_writable_path(const std::string& path);

// Writes `bytes` to a new temporary file next to `path`, syncs it, lets `verify` read the
// temporary file back (it throws to refuse it), and only then replaces `path` with it
// (replace_file). On any failure the temporary file is removed and `path` is untouched; the
// error names the file and errno's reason (e.g. "No space left on device").
void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::function<void(const std::string& written)>& verify = {});

}  // namespace ns::posix
