#include "archive/archive_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace ns {
namespace {

// Open-file-description locks: owned by the open file like flock(2) (so threads of one process
// exclude each other too), released when the holder dies, and, unlike flock, testable without
// taking them (F_OFD_GETLK), so a reader's look never makes a starting writer fail.
struct flock whole_file(short type) {
  struct flock range {};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  return range;  // l_start = l_len = 0: the whole file, however long
}

bool try_lock(const posix::FileDescriptor& file) {
  struct flock range = whole_file(F_WRLCK);
  if (::fcntl(file.get(), F_OFD_SETLK, &range) == 0) return true;
  if (errno == EAGAIN || errno == EACCES) return false;
  throw ArchiveError(file.path(), "", fmt::format("cannot lock: {}", std::strerror(errno)));
}

// Whether the open file is still the one the path names: the holder removes the lock file
// before it unlocks, so a lock won on a removed file protects nothing and is taken again.
bool still_named_by_path(const posix::FileDescriptor& file) {
  struct stat open_file {
  }, named{};
  if (::fstat(file.get(), &open_file) != 0) return false;
  if (::stat(file.path().c_str(), &named) != 0) return false;
  return open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

[[noreturn]] void refuse(const std::string& archive_path) {
  throw ArchiveError(archive_path, "",
                     fmt::format("another process is writing this archive (it holds {}): a "
                                 "sweep still running, or a merge; wait for it to end, or write "
                                 "to another archive with -o",
                                 lock_path(archive_path)));
}

}  // namespace

std::string lock_path(const std::string& archive_path) {
  return archive_path + ".lock";
}

ArchiveLock::ArchiveLock(const std::string& archive_path) : archive_path_(archive_path) {
  posix::check_writable_path(archive_path);  // a clear message before anything is made
  if (const auto parent = std::filesystem::path(archive_path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      throw ArchiveError(
          archive_path, "",
          fmt::format("cannot make its folder {}: {}", parent.string(), ec.message()));
  }
  for (;;) {
    posix::FileDescriptor file =
        posix::FileDescriptor::open(lock_path(archive_path), O_RDWR | O_CREAT);
    if (!try_lock(file)) refuse(archive_path);
    if (still_named_by_path(file)) {
      file_ = std::move(file);
      return;
    }
  }
}

ArchiveLock::~ArchiveLock() {
  ::unlink(file_.path().c_str());  // before the unlock (see still_named_by_path)
}

int ArchiveLock::remove_leftovers() const {
  namespace fs = std::filesystem;
  const fs::path archive(archive_path_);
  const fs::path folder = archive.has_parent_path() ? archive.parent_path() : fs::path(".");
  const std::string name = archive.filename().string();
  int removed = 0;
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ignored)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(name + ".tmp.") || file.starts_with(name + ".journal.tmp."))
      removed += fs::remove(entry.path(), ignored) ? 1 : 0;
  }
  return removed;
}

bool ArchiveLock::held_by_another(const std::string& archive_path) {
  const int fd = ::open(lock_path(archive_path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const posix::FileDescriptor file(fd, lock_path(archive_path));
  struct flock range = whole_file(F_WRLCK);
  if (::fcntl(file.get(), F_OFD_GETLK, &range) != 0)
    throw ArchiveError(file.path(), "",
                       fmt::format("cannot test the lock: {}", std::strerror(errno)));
  return range.l_type != F_UNLCK;
}

}  // namespace ns
