#include "io/posix_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns::posix {
namespace {

[[noreturn]] void fail(const std::string& path, std::string_view action, int error) {
  throw ArchiveError(path, "", fmt::format("cannot {}: {}", action, std::strerror(error)));
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  close();
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

void FileDescriptor::close() noexcept {
  if (fd_ >= 0) ::close(fd_);  // nothing to report from a destructor; data was synced or not
  fd_ = -1;
}

FileDescriptor FileDescriptor::open(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "open the file", errno);
  return FileDescriptor(fd, path);
}

void FileDescriptor::write_all(std::string_view bytes) const {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(path_, "write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::size_t FileDescriptor::read_at(std::uint64_t offset, char* out, std::size_t count) const {
  std::size_t done = 0;
  while (done < count) {
    const ssize_t got = ::pread(fd_, out + done, count - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(path_, "read", errno);
    }
    if (got == 0) break;  // end of file
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::uint64_t FileDescriptor::size() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) fail(path_, "get the file size", errno);
  return static_cast<std::uint64_t>(info.st_size);
}

void FileDescriptor::truncate(std::uint64_t size) const {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    fail(path_, fmt::format("truncate to {} bytes", size), errno);
}

void FileDescriptor::sync_data() const {
  if (::fdatasync(fd_) != 0) fail(path_, "sync the data to disk", errno);
}

void FileDescriptor::sync() const {
  if (::fsync(fd_) != 0) fail(path_, "sync to disk", errno);
}

std::string unique_temp_path(const std::string& path) {
  std::random_device entropy;
  return fmt::format("{}.tmp.{}.{:08x}", path, ::getpid(), entropy());
}

void sync_parent_directory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  FileDescriptor::open(parent.string(), O_RDONLY | O_DIRECTORY).sync();
}

void replace_file(const std::string& from, const std::string& to) {
  FileDescriptor::open(from, O_RDONLY).sync();
  if (std::rename(from.c_str(), to.c_str()) != 0)
    fail(to, fmt::format("replace it with '{}'", from), errno);
  sync_parent_directory(to);
}

}  // namespace ns::posix

namespace ns::posix {

void check_writable_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ArchiveError(path, "",
                       "is a folder; give the path of a file in it (e.g. FOLDER/name.h5)");
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return;
  // The nearest part of the path that exists must be a folder.
  for (fs::path at = parent; !at.empty(); at = at.parent_path()) {
    if (!fs::exists(at, ec)) continue;
    if (!fs::is_directory(at, ec))
      throw ArchiveError(
          path, "", fmt::format("cannot be created: '{}' is a file, not a folder", at.string()));
    break;
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::function<void(const std::string& written)>& verify) {
  check_writable_path(path);
  const std::string tmp = unique_temp_path(path);
  try {
    {
      const FileDescriptor file = FileDescriptor::open(tmp, O_WRONLY | O_CREAT | O_EXCL);
      file.write_all(bytes);
      file.sync();  // errors that write(2) defers (quota on NFS, I/O) surface here
    }
    if (verify) verify(tmp);
    replace_file(tmp, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

std::string FileDescriptor::read_all() const {
  std::string bytes(size(), '\0');
  if (read_at(0, bytes.data(), bytes.size()) != bytes.size())
    throw ArchiveError(path_, "", "the file changed while it was read");
  return bytes;
}

ScratchFile::ScratchFile() {
  std::error_code ignored;
  const std::filesystem::path shm = "/dev/shm";
  const std::filesystem::path folder =
      std::filesystem::is_directory(shm, ignored) ? shm : std::filesystem::temp_directory_path();
  path_ = unique_temp_path((folder / "noisesweep").string());
}

ScratchFile::~ScratchFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void reserve_space(const std::string& path, std::uint64_t bytes) {
  const FileDescriptor file = FileDescriptor::open(path, O_WRONLY);
  const std::uint64_t size = file.size();
  if (const int error = ::posix_fallocate(file.get(), off_t(size), off_t(bytes)); error != 0)
    throw ArchiveError(path, "",
                       fmt::format("cannot reserve {} bytes for what comes next ({})", bytes,
                                   std::strerror(error)));
}

}  // namespace ns::posix
