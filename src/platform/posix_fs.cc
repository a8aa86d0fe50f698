#include "platform/posix_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

namespace reclaim {
namespace {

// Retries a system call interrupted by a signal.
template <typename F>
auto RetryEintr(F f) {
  decltype(f()) r;
  do {
    r = f();
  } while (r == -1 && errno == EINTR);
  return r;
}

absl::Status FailedPreconditionIfDir(const struct stat& st, std::string_view op,
                                     const std::string& path) {
  if (S_ISDIR(st.st_mode)) return ErrnoToStatus(EISDIR, op, path);
  return absl::OkStatus();
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  absl::StatusOr<std::string> Read(size_t n) override {
    std::string buf(n, '\0');
    const ssize_t got = RetryEintr([&] { return ::read(fd_, buf.data(), n); });
    if (got < 0) return ErrnoToStatus(errno, "read", path_);
    buf.resize(static_cast<size_t>(got));
    return buf;
  }

  absl::Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0)
      return ErrnoToStatus(errno, "seek", path_);
    return absl::OkStatus();
  }

 private:
  const int fd_;
  const std::string path_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return Closed("write");
    while (!data.empty()) {
      const ssize_t n = RetryEintr([&] { return ::write(fd_, data.data(), data.size()); });
      if (n < 0) return ErrnoToStatus(errno, "write", path_);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (fd_ < 0) return Closed("sync");
    if (RetryEintr([&] { return ::fsync(fd_); }) != 0) return ErrnoToStatus(errno, "sync", path_);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    const int fd = std::exchange(fd_, -1);
    // Not retried on EINTR: Linux releases the descriptor regardless.
    if (::close(fd) != 0) return ErrnoToStatus(errno, "close", path_);
    return absl::OkStatus();
  }

 private:
  absl::Status Closed(std::string_view op) const {
    return absl::FailedPreconditionError(std::string(op) + " " + path_ + ": file already closed");
  }

  int fd_;
  const std::string path_;
};

}  // namespace

absl::StatusOr<std::string> PosixFs::ReadFile(const std::string& path) {
  const int fd = RetryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, "stat", path);
  }
  if (absl::Status s = FailedPreconditionIfDir(st, "read", path); !s.ok()) {
    ::close(fd);
    return s;
  }
  std::string out;
  out.reserve(static_cast<size_t>(std::max<off_t>(st.st_size, 0)));
  char buf[64 * 1024];
  while (true) {
    const ssize_t n = RetryEintr([&] { return ::read(fd, buf, sizeof(buf)); });
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoToStatus(err, "read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<std::unique_ptr<SequentialFile>> PosixFs::OpenForRead(const std::string& path) {
  const int fd = RetryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  struct stat st;
  int err = 0;
  if (::fstat(fd, &st) != 0) {
    err = errno;
  } else if (S_ISDIR(st.st_mode)) {
    err = EISDIR;
  }
  if (err != 0) {
    ::close(fd);
    return ErrnoToStatus(err, "open", path);
  }
  return std::make_unique<PosixSequentialFile>(fd, path);
}

absl::StatusOr<std::unique_ptr<WritableFile>> PosixFs::OpenForWrite(const std::string& path,
                                                                    WriteMode mode) {
  const int flags =
      O_WRONLY | O_CREAT | O_CLOEXEC | (mode == WriteMode::kTruncate ? O_TRUNC : O_APPEND);
  const int fd = RetryEintr([&] { return ::open(path.c_str(), flags, 0644); });
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  return std::make_unique<PosixWritableFile>(fd, path);
}

absl::Status PosixFs::CreateDirs(const std::string& path) {
  if (path.empty()) return ErrnoToStatus(ENOENT, "mkdir", path);
  // Create each prefix ending before a '/', then the whole path.
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    if (path[i - 1] == '/') continue;  // "//" or a trailing '/'
    const std::string prefix = path.substr(0, i);
    if (::mkdir(prefix.c_str(), 0755) == 0) continue;
    const int err = errno;
    if (err != EEXIST) return ErrnoToStatus(err, "mkdir", prefix);
    struct stat st;
    if (::stat(prefix.c_str(), &st) != 0) return ErrnoToStatus(errno, "mkdir", prefix);
    if (!S_ISDIR(st.st_mode)) return ErrnoToStatus(ENOTDIR, "mkdir", prefix);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> PosixFs::Exists(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoToStatus(errno, "stat", path);
}

absl::StatusOr<uint64_t> PosixFs::FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, "stat", path);
  if (absl::Status s = FailedPreconditionIfDir(st, "stat", path); !s.ok()) return s;
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<bool> PosixFs::IsDirectory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, "stat", path);
  return S_ISDIR(st.st_mode);
}

absl::StatusOr<std::vector<std::string>> PosixFs::ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, "open", path);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      const int err = errno;
      ::closedir(dir);
      if (err != 0) return ErrnoToStatus(err, "readdir", path);
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status PosixFs::Remove(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return absl::OkStatus();
  int err = errno;
  if (err == EISDIR || err == EPERM) {
    // Linux reports EISDIR (POSIX allows EPERM) for unlink on a directory.
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      if (::rmdir(path.c_str()) == 0) return absl::OkStatus();
      err = errno;
    }
  }
  return ErrnoToStatus(err, "remove", path);
}

absl::Status PosixFs::RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (!ec || ec.value() == ENOENT) return absl::OkStatus();
  return ErrnoToStatus(ec.value(), "remove", path);
}

absl::Status PosixFs::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return ErrnoToStatus(errno, "rename", from + " " + to);
  return absl::OkStatus();
}

absl::Status PosixFs::SyncDir(const std::string& path) {
  const int fd =
      RetryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  const int rc = RetryEintr([&] { return ::fsync(fd); });
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoToStatus(err, "sync", path);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PosixFs::FreeBytes(const std::string& path) {
  struct statvfs v;
  if (RetryEintr([&] { return ::statvfs(path.c_str(), &v); }) != 0) {
    return ErrnoToStatus(errno, "statvfs", path);
  }
  return static_cast<uint64_t>(v.f_bavail) * static_cast<uint64_t>(v.f_frsize);
}

absl::Status PosixFs::Allocate(const std::string& path, uint64_t bytes) {
  const int fd = RetryEintr(
      [&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); });
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  // posix_fallocate returns the error instead of setting errno.
  int err = bytes == 0 ? 0 : ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (err == 0 && RetryEintr([&] { return ::fsync(fd); }) != 0) err = errno;
  ::close(fd);
  if (err != 0) {
    ::unlink(path.c_str());
    return ErrnoToStatus(err, "allocate", path);
  }
  return absl::OkStatus();
}

Fs& RealFs() {
  static PosixFs* const fs = new PosixFs();
  return *fs;
}

}  // namespace reclaim
