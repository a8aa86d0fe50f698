#include "platform/fs.h"

#include <unistd.h>

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
