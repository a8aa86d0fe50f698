#include "platform/fault_injection_fs.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/mem_fs.h"

namespace reclaim {
namespace {

using ::testing::ElementsAre;

class FaultInjectionFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(mem_.CreateDirs("/d").ok());
    ASSERT_TRUE(mem_.WriteFileAtomic("/d/f", "old").ok());
  }
  MemFs mem_;
  FaultInjectionFs fs_{&mem_};
};

// Each step of WriteFileAtomic failing leaves the old content and no temporary.
TEST_F(FaultInjectionFsTest, AtomicWriteFailuresLeaveOldContent) {
  const FsOp steps[] = {FsOp::kOpenForWrite, FsOp::kAppend, FsOp::kSync, FsOp::kClose,
                        FsOp::kRename};
  for (FsOp op : steps) {
    fs_.FailNth(op, 1, absl::ResourceExhaustedError("no space left on device"));
    const absl::Status s = fs_.WriteFileAtomic("/d/f", "new");
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << FsOpName(op);
    EXPECT_EQ(*mem_.ReadFile("/d/f"), "old") << FsOpName(op);
    EXPECT_THAT(*mem_.ListDir("/d"), ElementsAre("f")) << FsOpName(op);
  }
  // A failing directory sync comes after the rename: the new content is in
  // place, but the caller learns the write may not be durable.
  fs_.FailNth(FsOp::kSyncDir, 1);
  EXPECT_EQ(fs_.WriteFileAtomic("/d/f", "new").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*mem_.ReadFile("/d/f"), "new");
  EXPECT_TRUE(fs_.WriteFileAtomic("/d/f", "newer").ok());
  EXPECT_EQ(*fs_.ReadFile("/d/f"), "newer");
}

TEST_F(FaultInjectionFsTest, FailNthCountsFromNow) {
  EXPECT_TRUE(fs_.Exists("/d").ok());
  fs_.FailNth(FsOp::kExists, 3, absl::UnavailableError("boom"));
  EXPECT_TRUE(fs_.Exists("/d").ok());
  EXPECT_TRUE(fs_.Exists("/d").ok());
  const auto third = fs_.Exists("/d");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(third.status().message(), "boom");
  EXPECT_TRUE(fs_.Exists("/d").ok());  // fires once
  EXPECT_EQ(fs_.Calls(FsOp::kExists), 5);
  EXPECT_EQ(fs_.Calls(FsOp::kRemove), 0);
}

TEST_F(FaultInjectionFsTest, FailAlwaysUntilCleared) {
  fs_.FailAlways(FsOp::kRemove);
  EXPECT_FALSE(fs_.Remove("/d/f").ok());
  EXPECT_FALSE(fs_.Remove("/d/f").ok());
  EXPECT_TRUE(*mem_.Exists("/d/f"));  // never reached the target
  fs_.ClearFaults();
  EXPECT_TRUE(fs_.Remove("/d/f").ok());
  EXPECT_FALSE(*mem_.Exists("/d/f"));
  EXPECT_EQ(fs_.Calls(FsOp::kRemove), 3);
}

TEST_F(FaultInjectionFsTest, FileOperationsAreInjectable) {
  auto reader = fs_.OpenForRead("/d/f");
  ASSERT_TRUE(reader.ok());
  fs_.FailNth(FsOp::kRead, 2);
  EXPECT_EQ(*(*reader)->Read(1), "o");
  EXPECT_FALSE((*reader)->Skip(1).ok());
  EXPECT_EQ(*(*reader)->Read(5), "ld");
  EXPECT_EQ(fs_.Calls(FsOp::kRead), 3);

  fs_.FailNth(FsOp::kOpenForRead, 1);
  EXPECT_FALSE(fs_.OpenForRead("/d/f").ok());
  // Errors of the target pass through unchanged.
  EXPECT_EQ(fs_.ReadFile("/d/missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(FsOpNameTest, EveryOpHasAName) {
  for (int i = 0; i < kNumFsOps; ++i) {
    EXPECT_NE(FsOpName(static_cast<FsOp>(i)), "?") << i;
  }
  EXPECT_EQ(FsOpName(FsOp::kRename), "Rename");
}

}  // namespace
}  // namespace reclaim
