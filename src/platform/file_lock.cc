#include "platform/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "platform/fs.h"

namespace reclaim {
namespace {

// Reads up to 4 KiB from the start of `fd`.
std::string ReadHead(int fd) {
  char buf[4096];
  ssize_t n;
  do {
    n = ::pread(fd, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The record's room at the start of the file: reserved once, then always
// overwritten in place, so taking and releasing the lock needs no free space.
constexpr size_t kRecordRoom = 512;

// Writes `text` padded with NULs to kRecordRoom bytes at offset 0; returns 0
// or an errno.
int WriteRecord(int fd, std::string text) {
  text.resize(kRecordRoom, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

bool NoSpace(int err) { return err == ENOSPC || err == EDQUOT; }

}  // namespace

std::string FormatLockHolder(long pid, std::string_view description) {
  std::string out = std::to_string(pid);
  if (!description.empty()) {
    out += " ";
    // One line: newlines in the description would end the record.
    for (char c : description) out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  out += "\n";
  return out;
}

std::string DescribeLockHolder(std::string_view contents) {
  const size_t eol = contents.find('\n');
  std::string_view line = contents.substr(0, eol);
  size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
  if (digits == 0 || digits > 19) return "";
  std::string out = "pid " + std::string(line.substr(0, digits));
  std::string_view rest = line.substr(digits);
  if (rest.empty()) return out;
  if (rest.front() != ' ') return "";
  rest.remove_prefix(1);
  if (!rest.empty()) out += " (" + std::string(rest) + ")";
  return out;
}

absl::StatusOr<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path,
                                                            std::string_view holder_description) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);

  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return ErrnoToStatus(err, "lock", path);
    }
    const std::string holder = DescribeLockHolder(ReadHead(fd));
    ::close(fd);
    return absl::FailedPreconditionError("store " + DirName(path) + " is in use by " +
                                         (holder.empty() ? "another process" : holder));
  }

  std::string record = FormatLockHolder(static_cast<long>(::getpid()), holder_description);
  if (record.size() >= kRecordRoom) record = record.substr(0, kRecordRoom - 2) + "\n";
  if (const int err = WriteRecord(fd, record); err != 0 && !NoSpace(err)) {
    ::close(fd);  // releases the lock
    return ErrnoToStatus(err, "write", path);
  }
  // Without room on a full disk (a LOCK file made before its room was
  // reserved) the lock holds all the same: a second process is then told
  // "in use by another process", and prunes can still free space.
  return std::unique_ptr<FileLock>(new FileLock(fd, path));
}

FileLock::~FileLock() {
  // Clear the record in place so a stale holder is never reported, then
  // unlock (close releases the lock whatever the write did).
  (void)WriteRecord(fd_, "");
  ::close(fd_);
}

}  // namespace reclaim
