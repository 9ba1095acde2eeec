#pragma once
// The one lock every writer of an archive holds for as long as it writes: `run` (journal appends,
// checkpoints and the final write) and `merge`. It is a lock on ARCHIVE.h5.lock, which the
// kernel releases when the holder dies, so a crash never leaves a stale lock behind. Readers
// (`status`, `report`) take no lock: the archive is only ever replaced whole.
#include <string>

#include "io/posix_file.hpp"

namespace ns {

class ArchiveLock {
 public:
  // Takes the lock of `archive_path` or throws ArchiveError saying that another process writes
  // that archive (or why the lock file cannot be made). Never waits.
  explicit ArchiveLock(const std::string& archive_path);
  // Removes the lock file, then releases the lock.
  ~ArchiveLock();
  ArchiveLock(const ArchiveLock&) = delete;
  ArchiveLock& operator=(const ArchiveLock&) = delete;

  // True if some process holds the lock of `archive_path` now.
  static bool held_by_another(const std::string& archive_path);

  const std::string& path() const { return file_.path(); }

  // Removes the temporary files that killed writers of this archive left (ARCHIVE.h5.tmp.* and
  // ARCHIVE.h5.journal.tmp.*). Safe only for the lock's holder: no other writer can be using
  // them. Returns how many it removed.
  int remove_leftovers() const;

 private:
  std::string archive_path_;
  posix::FileDescriptor file_;
};

std::string lock_path(const std::string& archive_path);

}  // namespace ns
