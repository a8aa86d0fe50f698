#include "platform/fs.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>

namespace reclaim {

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  std::string_view dir = path.substr(0, slash);
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir.empty()) return "/";
  return std::string(dir);
}

absl::Status ErrnoToStatus(int err, std::string_view op, std::string_view path) {
  const char* desc = strerrordesc_np(err);
  std::string text = desc != nullptr ? desc : "errno " + std::to_string(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  std::string message = std::string(op) + " " + std::string(path) + ": " + text;
  absl::StatusCode code;
  switch (err) {
    case ENOENT:
      code = absl::StatusCode::kNotFound;
      break;
    case EEXIST:
      code = absl::StatusCode::kAlreadyExists;
      break;
    case EACCES:
    case EPERM:
      code = absl::StatusCode::kPermissionDenied;
      break;
    case ENOSPC:
    case EDQUOT:
      code = absl::StatusCode::kResourceExhausted;
      break;
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
    case EROFS:
    case EXDEV:
    case EBUSY:
      code = absl::StatusCode::kFailedPrecondition;
      break;
    case ENAMETOOLONG:
    case EINVAL:
      code = absl::StatusCode::kInvalidArgument;
      break;
    default:
      code = absl::StatusCode::kInternal;
      break;
  }
  return absl::Status(code, message);
}

absl::StatusOr<uint64_t> Fs::FreeBytes(const std::string& path) {
  return absl::UnimplementedError("free space of " + path + " is unknown");
}

absl::Status Fs::Allocate(const std::string& path, uint64_t bytes) {
  absl::Status s = [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<WritableFile>> opened = OpenForWrite(path);
    if (!opened.ok()) return opened.status();
    std::unique_ptr<WritableFile>& f = *opened;
    const std::string zeros(1 << 16, '\0');
    for (uint64_t left = bytes; left > 0;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
      absl::Status w = f->Append(std::string_view(zeros.data(), n));
      if (!w.ok()) {
        (void)f->Close();
        return w;
      }
      left -= n;
    }
    if (absl::Status synced = f->Sync(); !synced.ok()) {
      (void)f->Close();
      return synced;
    }
    return f->Close();
  }();
  if (!s.ok()) (void)Remove(path);
  return s;
}

absl::Status Fs::WriteFileAtomic(const std::string& path, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  auto fail = [&](absl::Status error) {
    (void)Remove(tmp);  // best effort; the original error is what matters
    return error;
  };
  absl::StatusOr<std::unique_ptr<WritableFile>> file = OpenForWrite(tmp, WriteMode::kTruncate);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(bytes);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  file->reset();
  if (!s.ok()) return fail(std::move(s));
  if (s = Rename(tmp, path); !s.ok()) return fail(std::move(s));
  return SyncDir(DirName(path));
}

}  // namespace reclaim
