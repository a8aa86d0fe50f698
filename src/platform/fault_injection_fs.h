// File: platform/fault_injection_fs.h
//
// FaultInjectionFs wraps another Fs and makes chosen operations fail, to
// drive error paths and crash-consistency tests deterministically (leveldb's
// SpecialEnv, kept small):
//
//   MemFs mem;
//   FaultInjectionFs fs(&mem);
//   fs.FailNth(FsOp::kRename, 1, absl::ResourceExhaustedError("no space left on device"));
//   EXPECT_FALSE(fs.WriteFileAtomic("/a", "x").ok());   // its rename fails
//
// WriteFileAtomic is the Fs default built from OpenForWrite/Append/Sync/Close/
// Rename/SyncDir, so each of its steps can be failed. A failed operation does
// not reach the wrapped Fs. Calls are counted per kind whether or not they fail.
//
// Thread-safety: safe for concurrent use. Files it opens refer to it and must
// not outlive it; the wrapped Fs must outlive it.
#ifndef RECLAIM_PLATFORM_FAULT_INJECTION_FS_H_
#define RECLAIM_PLATFORM_FAULT_INJECTION_FS_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "platform/fs.h"
#include "platform/mutex.h"

namespace reclaim {

enum class FsOp {
  kReadFile,
  kOpenForRead,
  kRead,  // SequentialFile::Read and Skip
  kOpenForWrite,
  kAppend,
  kSync,  // WritableFile::Sync
  kClose,
  kCreateDirs,
  kExists,
  kFileSize,
  kIsDirectory,
  kListDir,
  kRemove,
  kRemoveAll,
  kRename,
  kSyncDir,
};
inline constexpr int kNumFsOps = static_cast<int>(FsOp::kSyncDir) + 1;

std::string_view FsOpName(FsOp op);

class FaultInjectionFs final : public Fs {
 public:
  explicit FaultInjectionFs(Fs* target) : target_(target) {}

  // The `n`th call of `op` from now (1 = the next one) fails with `error`.
  void FailNth(FsOp op, int n, absl::Status error = absl::InternalError("injected fault"));
  // Every call of `op` from now fails with `error`.
  void FailAlways(FsOp op, absl::Status error = absl::InternalError("injected fault"));
  void ClearFaults();
  // Calls of `op` seen so far (failed ones included).
  int Calls(FsOp op) const;

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
  absl::StatusOr<uint64_t> FreeBytes(const std::string& path) override {
    return target_->FreeBytes(path);
  }

  // Counts a call of `op`; returns the injected error if it must fail.
  [[nodiscard]] absl::Status Check(FsOp op);

 private:
  struct Fault {
    int countdown = 0;  // fails when it reaches 0 from 1; 0 = no pending fault
    bool always = false;
    absl::Status error;
  };

  Fs* const target_;
  mutable Mutex mu_;
  std::array<int, kNumFsOps> calls_ ABSL_GUARDED_BY(mu_) = {};
  std::array<Fault, kNumFsOps> faults_ ABSL_GUARDED_BY(mu_);
};

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_FAULT_INJECTION_FS_H_
