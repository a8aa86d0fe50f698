#include "platform/fault_injection_fs.h"

#include <utility>

namespace reclaim {
namespace {

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(FaultInjectionFs* fs, std::unique_ptr<SequentialFile> file)
      : fs_(fs), file_(std::move(file)) {}
  absl::StatusOr<std::string> Read(size_t n) override {
    if (absl::Status s = fs_->Check(FsOp::kRead); !s.ok()) return s;
    return file_->Read(n);
  }
  absl::Status Skip(uint64_t n) override {
    if (absl::Status s = fs_->Check(FsOp::kRead); !s.ok()) return s;
    return file_->Skip(n);
  }

 private:
  FaultInjectionFs* const fs_;
  const std::unique_ptr<SequentialFile> file_;
};

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionFs* fs, std::unique_ptr<WritableFile> file)
      : fs_(fs), file_(std::move(file)) {}
  absl::Status Append(std::string_view data) override {
    if (absl::Status s = fs_->Check(FsOp::kAppend); !s.ok()) return s;
    return file_->Append(data);
  }
  absl::Status Sync() override {
    if (absl::Status s = fs_->Check(FsOp::kSync); !s.ok()) return s;
    return file_->Sync();
  }
  absl::Status Close() override {
    if (absl::Status s = fs_->Check(FsOp::kClose); !s.ok()) return s;
    return file_->Close();
  }

 private:
  FaultInjectionFs* const fs_;
  const std::unique_ptr<WritableFile> file_;
};

}  // namespace

std::string_view FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kReadFile:
      return "ReadFile";
    case FsOp::kOpenForRead:
      return "OpenForRead";
    case FsOp::kRead:
      return "Read";
    case FsOp::kOpenForWrite:
      return "OpenForWrite";
    case FsOp::kAppend:
      return "Append";
    case FsOp::kSync:
      return "Sync";
    case FsOp::kClose:
      return "Close";
    case FsOp::kCreateDirs:
      return "CreateDirs";
    case FsOp::kExists:
      return "Exists";
    case FsOp::kFileSize:
      return "FileSize";
    case FsOp::kIsDirectory:
      return "IsDirectory";
    case FsOp::kListDir:
      return "ListDir";
    case FsOp::kRemove:
      return "Remove";
    case FsOp::kRemoveAll:
      return "RemoveAll";
    case FsOp::kRename:
      return "Rename";
    case FsOp::kSyncDir:
      return "SyncDir";
  }
  return "?";
}

void FaultInjectionFs::FailNth(FsOp op, int n, absl::Status error) {
  MutexLock lock(&mu_);
  faults_[static_cast<int>(op)] = Fault{n > 0 ? n : 1, false, std::move(error)};
}

void FaultInjectionFs::FailAlways(FsOp op, absl::Status error) {
  MutexLock lock(&mu_);
  faults_[static_cast<int>(op)] = Fault{0, true, std::move(error)};
}

void FaultInjectionFs::ClearFaults() {
  MutexLock lock(&mu_);
  faults_ = {};
}

int FaultInjectionFs::Calls(FsOp op) const {
  MutexLock lock(&mu_);
  return calls_[static_cast<int>(op)];
}

absl::Status FaultInjectionFs::Check(FsOp op) {
  MutexLock lock(&mu_);
  const int i = static_cast<int>(op);
  ++calls_[i];
  Fault& fault = faults_[i];
  if (fault.always) return fault.error;
  if (fault.countdown > 0 && --fault.countdown == 0) return fault.error;
  return absl::OkStatus();
}

absl::StatusOr<std::string> FaultInjectionFs::ReadFile(const std::string& path) {
  if (absl::Status s = Check(FsOp::kReadFile); !s.ok()) return s;
  return target_->ReadFile(path);
}

absl::StatusOr<std::unique_ptr<SequentialFile>> FaultInjectionFs::OpenForRead(
    const std::string& path) {
  if (absl::Status s = Check(FsOp::kOpenForRead); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = target_->OpenForRead(path);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultSequentialFile>(this, *std::move(file));
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionFs::OpenForWrite(
    const std::string& path, WriteMode mode) {
  if (absl::Status s = Check(FsOp::kOpenForWrite); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<WritableFile>> file = target_->OpenForWrite(path, mode);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultWritableFile>(this, *std::move(file));
}

absl::Status FaultInjectionFs::CreateDirs(const std::string& path) {
  if (absl::Status s = Check(FsOp::kCreateDirs); !s.ok()) return s;
  return target_->CreateDirs(path);
}

absl::StatusOr<bool> FaultInjectionFs::Exists(const std::string& path) {
  if (absl::Status s = Check(FsOp::kExists); !s.ok()) return s;
  return target_->Exists(path);
}

absl::StatusOr<uint64_t> FaultInjectionFs::FileSize(const std::string& path) {
  if (absl::Status s = Check(FsOp::kFileSize); !s.ok()) return s;
  return target_->FileSize(path);
}

absl::StatusOr<bool> FaultInjectionFs::IsDirectory(const std::string& path) {
  if (absl::Status s = Check(FsOp::kIsDirectory); !s.ok()) return s;
  return target_->IsDirectory(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionFs::ListDir(const std::string& path) {
  if (absl::Status s = Check(FsOp::kListDir); !s.ok()) return s;
  return target_->ListDir(path);
}

absl::Status FaultInjectionFs::Remove(const std::string& path) {
  if (absl::Status s = Check(FsOp::kRemove); !s.ok()) return s;
  return target_->Remove(path);
}

absl::Status FaultInjectionFs::RemoveAll(const std::string& path) {
  if (absl::Status s = Check(FsOp::kRemoveAll); !s.ok()) return s;
  return target_->RemoveAll(path);
}

absl::Status FaultInjectionFs::Rename(const std::string& from, const std::string& to) {
  if (absl::Status s = Check(FsOp::kRename); !s.ok()) return s;
  return target_->Rename(from, to);
}

absl::Status FaultInjectionFs::SyncDir(const std::string& path) {
  if (absl::Status s = Check(FsOp::kSyncDir); !s.ok()) return s;
  return target_->SyncDir(path);
}

}  // namespace reclaim
