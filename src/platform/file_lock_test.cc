#include "platform/file_lock.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/posix_fs.h"

namespace reclaim {
namespace {

// The lock file's content: the record padded with NULs to its 512-byte room.
std::string Room(const std::string& record) { return record + std::string(512 - record.size(), '\0'); }

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-lock-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    lock_path_ = root_ + "/LOCK";
  }
  void TearDown() override { EXPECT_TRUE(PosixFs().RemoveAll(root_).ok()); }

  std::string root_;
  std::string lock_path_;
};

TEST_F(FileLockTest, AcquireWritesHolderAndReleasesOnDestruction) {
  {
    auto lock = FileLock::Acquire(lock_path_, "reclaim serve");
    ASSERT_TRUE(lock.ok()) << lock.status();
    EXPECT_EQ((*lock)->path(), lock_path_);
    EXPECT_EQ(*PosixFs().ReadFile(lock_path_), Room(std::to_string(::getpid()) + " reclaim serve\n"));

    // flock belongs to the open file: a second Acquire in this process fails.
    auto again = FileLock::Acquire(lock_path_, "second");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(again.status().message(), "store " + root_ + " is in use by pid " +
                                            std::to_string(::getpid()) + " (reclaim serve)");
    // The failed attempt did not disturb the holder's record.
    EXPECT_EQ(*PosixFs().ReadFile(lock_path_), Room(std::to_string(::getpid()) + " reclaim serve\n"));
  }
  // Released: the record is cleared in place (the file keeps its room, so the
  // next holder needs no free space), and the lock can be taken again.
  EXPECT_EQ(*PosixFs().ReadFile(lock_path_), Room(""));
  auto next = FileLock::Acquire(lock_path_, "reclaim image prune");
  ASSERT_TRUE(next.ok()) << next.status();
}

TEST_F(FileLockTest, ContentionWithAnotherProcess) {
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    auto lock = FileLock::Acquire(lock_path_, "reclaim serve");
    const char status = lock.ok() ? 'y' : 'n';
    if (::write(ready[1], &status, 1) != 1) ::_exit(2);
    char c;
    while (::read(release[0], &c, 1) < 0) {
    }  // wait for EOF from the parent
    if (!lock.ok()) ::_exit(1);
    lock->reset();  // release before exiting, through the destructor
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char status = 0;
  ASSERT_EQ(::read(ready[0], &status, 1), 1);
  ASSERT_EQ(status, 'y');

  auto contended = FileLock::Acquire(lock_path_, "reclaim image prune");
  ASSERT_FALSE(contended.ok());
  EXPECT_EQ(contended.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(contended.status().message(),
            "store " + root_ + " is in use by pid " + std::to_string(child) + " (reclaim serve)");

  ::close(release[1]);  // let the child go
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  ::close(ready[0]);

  auto acquired = FileLock::Acquire(lock_path_, "reclaim image prune");
  ASSERT_TRUE(acquired.ok()) << acquired.status();
}

TEST_F(FileLockTest, HolderWithoutRecord) {
  // A holder that has not written its record yet (or an older tool).
  auto lock = FileLock::Acquire(lock_path_, "x");
  ASSERT_TRUE(lock.ok());
  ASSERT_EQ(::truncate(lock_path_.c_str(), 0), 0);
  auto contended = FileLock::Acquire(lock_path_, "y");
  ASSERT_FALSE(contended.ok());
  EXPECT_EQ(contended.status().message(), "store " + root_ + " is in use by another process");
}

TEST_F(FileLockTest, ALongDescriptionStaysInTheRoom) {
  auto lock = FileLock::Acquire(lock_path_, std::string(2000, 'x'));
  ASSERT_TRUE(lock.ok()) << lock.status();
  const std::string content = *PosixFs().ReadFile(lock_path_);
  EXPECT_EQ(content.size(), 512u);
  EXPECT_EQ(content.find('\n'), 510u);  // the record, cut to fit, ends its line
  EXPECT_EQ(DescribeLockHolder(content).substr(0, 4), "pid ");
}

TEST_F(FileLockTest, MissingDirectory) {
  auto lock = FileLock::Acquire(root_ + "/nodir/LOCK", "x");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(lock.status().message(), "open " + root_ + "/nodir/LOCK: no such file or directory");
}

TEST(LockHolderTest, FormatAndDescribe) {
  EXPECT_EQ(FormatLockHolder(1234, "reclaim serve"), "1234 reclaim serve\n");
  EXPECT_EQ(FormatLockHolder(7, ""), "7\n");
  EXPECT_EQ(FormatLockHolder(7, "a\nb"), "7 a b\n");
  const std::pair<std::string, std::string> cases[] = {
      {"1234 reclaim serve\n", "pid 1234 (reclaim serve)"},
      {"1234 reclaim serve", "pid 1234 (reclaim serve)"},
      {"7\n", "pid 7"},
      {"7 \n", "pid 7"},
      {"", ""},
      {"\n", ""},
      {"abc 12\n", ""},
      {"12abc\n", ""},
      {"99999999999999999999 x\n", ""},
      {"42 first\nsecond line\n", "pid 42 (first)"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(DescribeLockHolder(in), want) << in;
}

}  // namespace
}  // namespace reclaim
