// File: platform/posix_fs.h
//
// PosixFs: the real filesystem through POSIX calls (open/read/write/fsync/
// rename/unlink/mkdir, std::filesystem only through std::error_code overloads).
// Errors carry the operation and path, mapped by ErrnoToStatus (platform/fs.h).
//
// Thread-safety: stateless; safe for concurrent use.
#ifndef RECLAIM_PLATFORM_POSIX_FS_H_
#define RECLAIM_PLATFORM_POSIX_FS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/fs.h"

namespace reclaim {

class PosixFs final : public Fs {
 public:
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<SequentialFile>> OpenForRead(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path,
                                                             WriteMode mode) override;
  absl::Status CreateDirs(const std::string& path) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
  absl::StatusOr<bool> IsDirectory(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status RemoveAll(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::StatusOr<uint64_t> FreeBytes(const std::string& path) override;
  absl::Status Allocate(const std::string& path, uint64_t bytes) override;
};

// The process-wide PosixFs; never destroyed.
Fs& RealFs();

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_POSIX_FS_H_
