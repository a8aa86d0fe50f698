// File: platform/mem_fs.h
//
// MemFs: an in-memory Fs for unit tests. It follows POSIX semantics closely
// enough to pass the same conformance suite as PosixFs (platform/fs_test.cc):
// the same error codes and messages, rename replacing files, non-empty
// directories refusing removal, open files surviving unlink. Relative paths
// are taken from "/", which always exists. Sync and SyncDir do nothing
// (there is no crash to survive), but SyncDir checks its directory exists.
//
// Thread-safety: safe for concurrent use. Open files keep their data alive
// and may outlive the MemFs.
#ifndef RECLAIM_PLATFORM_MEM_FS_H_
#define RECLAIM_PLATFORM_MEM_FS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "platform/fs.h"
#include "platform/mutex.h"

namespace reclaim {

class MemFs final : public Fs {
 public:
  MemFs();

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

  // The shared bytes of one file.
  struct FileData {
    Mutex mu;
    std::string bytes ABSL_GUARDED_BY(mu);
  };

 private:
  struct Node {
    bool is_dir = false;
    std::shared_ptr<FileData> data;  // files only
  };

  // errno for a lookup of `path` that is absent: ENOTDIR when an ancestor is
  // a file, else ENOENT.
  int MissingErrno(const std::string& path) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // 0 when the parent of `path` is an existing directory, else an errno.
  int ParentErrno(const std::string& path) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool HasChildren(const std::string& dir) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  const Node* Find(const std::string& path) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The data of regular file `path`; errors name `op`, or `dir_op` when
  // `path` is a directory.
  absl::StatusOr<std::shared_ptr<FileData>> FileFor(const std::string& path, std::string_view op,
                                                    std::string_view dir_op) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::map<std::string, Node> nodes_ ABSL_GUARDED_BY(mu_);  // normalized path -> node
};

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_MEM_FS_H_
