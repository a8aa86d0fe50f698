// File: platform/fs.h
//
// The filesystem behind a small interface (leveldb's Env, trimmed): whole-file
// reads, crash-safe whole-file writes, directories, and streaming files. The
// stores never touch POSIX directly, so they run unchanged on:
//
//   PosixFs           the real filesystem (platform/posix_fs.h)
//   MemFs             an in-memory fake for unit tests (platform/mem_fs.h)
//   FaultInjectionFs  a wrapper failing chosen operations (platform/fault_injection_fs.h)
//
// Errors use absl codes: NotFound (no such file), AlreadyExists,
// PermissionDenied, ResourceExhausted (disk full), FailedPrecondition (wrong
// kind of file: a directory where a file was expected, a non-empty directory),
// Internal otherwise. Messages name the operation and the path, e.g.
// "open /x/blob: no such file or directory".
//
// Paths are plain strings in the host syntax; nothing is resolved against a
// root. ListDir returns sorted names without "." and "..".
//
// Thread-safety: every Fs is safe for concurrent use. A WritableFile or
// SequentialFile must be used by one thread at a time.
#ifndef RECLAIM_PLATFORM_FS_H_
#define RECLAIM_PLATFORM_FS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace reclaim {

// A file open for reading from the start.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes; an empty result means end of file.
  [[nodiscard]] virtual absl::StatusOr<std::string> Read(size_t n) = 0;
  // Skips `n` bytes (past the end is allowed and reads as end of file).
  [[nodiscard]] virtual absl::Status Skip(uint64_t n) = 0;
};

// A file open for writing. Closing does not sync; call Sync() first when the
// bytes must survive a crash. The destructor closes a file not yet closed.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  [[nodiscard]] virtual absl::Status Append(std::string_view data) = 0;
  // Flushes the data to stable storage (fsync).
  [[nodiscard]] virtual absl::Status Sync() = 0;
  // Closes the file; further calls fail with FailedPrecondition, except
  // Close(), which is then a no-op.
  [[nodiscard]] virtual absl::Status Close() = 0;
};

enum class WriteMode {
  kTruncate,  // create, or empty an existing file
  kAppend,    // create, or keep an existing file and write at its end
};

class Fs {
 public:
  virtual ~Fs() = default;

  [[nodiscard]] virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<SequentialFile>> OpenForRead(
      const std::string& path) = 0;
  // The parent directory must exist.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      const std::string& path, WriteMode mode = WriteMode::kTruncate) = 0;

  // Replaces `path` with `bytes` so that a crash leaves either the old or the
  // new content: writes `<path>.tmp-<unique>`, syncs it, renames it over
  // `path`, then syncs the directory. The temporary is removed on failure.
  // Implemented on the primitives below, so FaultInjectionFs can fail any step.
  [[nodiscard]] virtual absl::Status WriteFileAtomic(const std::string& path,
                                                     std::string_view bytes);

  // mkdir -p. OK when the directory already exists; FailedPrecondition when
  // a component is a file.
  [[nodiscard]] virtual absl::Status CreateDirs(const std::string& path) = 0;
  // True if anything (file or directory) exists at `path`.
  [[nodiscard]] virtual absl::StatusOr<bool> Exists(const std::string& path) = 0;
  // Size of a regular file; FailedPrecondition for a directory.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  [[nodiscard]] virtual absl::StatusOr<bool> IsDirectory(const std::string& path) = 0;
  // Sorted entry names of a directory.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) = 0;
  // Removes a file or an empty directory. NotFound if absent.
  [[nodiscard]] virtual absl::Status Remove(const std::string& path) = 0;
  // Removes `path` and everything below it. OK if absent.
  [[nodiscard]] virtual absl::Status RemoveAll(const std::string& path) = 0;
  // rename(2): atomically replaces a file at `to`.
  [[nodiscard]] virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes entries created, renamed or removed in directory `path` durable.
  [[nodiscard]] virtual absl::Status SyncDir(const std::string& path) = 0;

  // Bytes an unprivileged writer may still use on the filesystem holding
  // `path` (statvfs f_bavail). The default: Unimplemented (unknown).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> FreeBytes(const std::string& path);
  // Creates (or replaces) the file `path` holding `bytes` bytes whose blocks
  // are allocated now (fallocate), so that removing it gives them back; a
  // filesystem without room is ResourceExhausted and leaves no file. The
  // default writes zeros through OpenForWrite.
  [[nodiscard]] virtual absl::Status Allocate(const std::string& path, uint64_t bytes);
};

// The directory part of `path` ("." if none, "/" for a top-level entry).
std::string DirName(std::string_view path);

// The Status for a failed system call: `op` and `path` (e.g. "open",
// "/x/blob") then the lowercase errno text, with the code mapping above:
// ENOENT NotFound, EEXIST AlreadyExists, EACCES/EPERM PermissionDenied,
// ENOSPC/EDQUOT ResourceExhausted, ENOTDIR/EISDIR/ENOTEMPTY/EROFS/EXDEV/EBUSY
// FailedPrecondition, ENAMETOOLONG/EINVAL InvalidArgument, else Internal.
absl::Status ErrnoToStatus(int err, std::string_view op, std::string_view path);

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_FS_H_
