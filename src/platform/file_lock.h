// File: platform/file_lock.h
//
// FileLock: one process owns a store at a time. Acquire takes an exclusive,
// non-blocking flock(2) on the lock file (conventionally `<root>/LOCK`,
// created if missing) and then writes the holder's pid and description into
// it, so a second process is told who is in the way. The record lives in the
// first 512 bytes, padded with NULs and overwritten in place (cleared, not
// truncated, on release), so once the file exists taking the lock needs no
// free space: on a full disk reclaim still opens its store to free some.
// Should even that write find no space (an old, empty LOCK file), the lock
// is held without a record.
//
//   RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
//                            FileLock::Acquire(root + "/LOCK", "reclaim serve"));
//   // FailedPrecondition "store /var/lib/reclaim is in use by pid 1234 (reclaim serve)"
//
// The lock is released when the FileLock is destroyed (or the process dies:
// the kernel drops flocks with the descriptor). The file itself is left in
// place; removing it would let two processes lock different inodes.
// flock locks belong to the open file, so a second Acquire in the same
// process fails too.
//
// Thread-safety: Acquire is safe to call concurrently; a FileLock is immutable.
#ifndef RECLAIM_PLATFORM_FILE_LOCK_H_
#define RECLAIM_PLATFORM_FILE_LOCK_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace reclaim {

class FileLock {
 public:
  // Errors: FailedPrecondition when another open file holds the lock (naming
  // the store directory and the holder recorded in the file: "store <dir> is in
  // use by pid <pid> (<description>)", or "... in use by another process" when
  // the file holds no record); open errors as in platform/fs.h.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileLock>> Acquire(
      const std::string& path, std::string_view holder_description);

  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  const int fd_;
  const std::string path_;
};

// The text Acquire writes into the lock file: "<pid> <description>\n".
std::string FormatLockHolder(long pid, std::string_view description);
// Parses FormatLockHolder's text into "pid <pid> (<description>)" (or
// "pid <pid>" without a description); empty when the text is no such record.
std::string DescribeLockHolder(std::string_view contents);

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_FILE_LOCK_H_
