#include "store/local/reserve.h"

#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"
#include "platform/posix_fs.h"

namespace reclaim {
namespace {

// A PosixFs whose free space the test decides.
class FreeSpaceFs final : public Fs {
 public:
  uint64_t free = uint64_t{1} << 40;
  PosixFs real;

  absl::StatusOr<uint64_t> FreeBytes(const std::string&) override { return free; }
  absl::Status Allocate(const std::string& path, uint64_t bytes) override {
    return real.Allocate(path, bytes);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& p) override { return real.ReadFile(p); }
  absl::StatusOr<std::unique_ptr<SequentialFile>> OpenForRead(const std::string& p) override {
    return real.OpenForRead(p);
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& p,
                                                             WriteMode m) override {
    return real.OpenForWrite(p, m);
  }
  absl::Status CreateDirs(const std::string& p) override { return real.CreateDirs(p); }
  absl::StatusOr<bool> Exists(const std::string& p) override { return real.Exists(p); }
  absl::StatusOr<uint64_t> FileSize(const std::string& p) override { return real.FileSize(p); }
  absl::StatusOr<bool> IsDirectory(const std::string& p) override { return real.IsDirectory(p); }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& p) override {
    return real.ListDir(p);
  }
  absl::Status Remove(const std::string& p) override { return real.Remove(p); }
  absl::Status RemoveAll(const std::string& p) override { return real.RemoveAll(p); }
  absl::Status Rename(const std::string& a, const std::string& b) override {
    return real.Rename(a, b);
  }
  absl::Status SyncDir(const std::string& p) override { return real.SyncDir(p); }
};

class SpaceReserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-reserve-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { EXPECT_TRUE(PosixFs().RemoveAll(root_).ok()); }

  std::string root_;
  FreeSpaceFs fs_;
};

TEST_F(SpaceReserveTest, KeptWhileThereIsRoomGivenBackWhenFull) {
  const SpaceReserve reserve{&fs_, root_, 1 << 20};
  reserve.Restore();
  ASSERT_EQ(*fs_.FileSize(reserve.Path()), uint64_t{1} << 20);
  EXPECT_FALSE(reserve.ReleaseIfFull());  // plenty free
  fs_.free = (1 << 20) - 1;               // less free than the reserve
  EXPECT_TRUE(reserve.ReleaseIfFull());
  EXPECT_FALSE(*fs_.Exists(reserve.Path()));
  EXPECT_FALSE(reserve.ReleaseIfFull());  // nothing left to give
  // Back only once twice its size is free.
  fs_.free = (2 << 20) - 1;
  reserve.Restore();
  EXPECT_FALSE(*fs_.Exists(reserve.Path()));
  fs_.free = 2 << 20;
  reserve.Restore();
  EXPECT_TRUE(*fs_.Exists(reserve.Path()));
}

TEST_F(SpaceReserveTest, NoReserveIsKeptAtZeroBytes) {
  const SpaceReserve reserve{&fs_, root_, 0};
  reserve.Restore();
  EXPECT_FALSE(*fs_.Exists(reserve.Path()));
}

TEST_F(SpaceReserveTest, OutOfSpaceErrorsNameTheRootAndTheFreeBytes) {
  const SpaceReserve reserve{&fs_, root_, 1 << 20};
  fs_.free = 0;
  absl::Status full = reserve.NoSpaceError(absl::InternalError("metadata: disk I/O error"));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(), "no space left on device: " + root_ +
                                " has 0 bytes free (metadata: disk I/O error)");
  // With room, an I/O error is what it is; "disk is full" is always space.
  fs_.free = uint64_t{1} << 30;
  EXPECT_EQ(reserve.NoSpaceError(absl::InternalError("metadata: disk I/O error")).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(reserve.NoSpaceError(absl::ResourceExhaustedError("x")).message(),
            "no space left on device: " + root_ + " has 1073741824 bytes free (x)");
  EXPECT_TRUE(reserve.NoSpaceError(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace reclaim
