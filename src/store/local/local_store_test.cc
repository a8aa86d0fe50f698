#include "store/local/local_store.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/media_types.h"
#include "gtest/gtest.h"
#include "platform/fault_injection_fs.h"
#include "platform/posix_fs.h"
#include "store/conformance.h"

namespace reclaim {
namespace {
using namespace media_types;  // NOLINT

// A temporary directory removed when the test ends.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/reclaim-store-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class LocalFixture : public StoreFixture {
 public:
  LocalFixture() {
    auto s = LocalStore::Open(LocalStoreOptions{dir_.path() + "/root"});
    EXPECT_TRUE(s.ok()) << s.status();
    if (s.ok()) store_ = std::move(*s);
  }
  Store& store() override { return *store_; }

 private:
  TempDir dir_;
  std::unique_ptr<LocalStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Local, StoreConformance,
                         ::testing::Values(StoreFactory{
                             "local", [] { return std::make_unique<LocalFixture>(); }}),
                         [](const auto& info) { return info.param.name; });

absl::Status PutBytes(Store& s, const std::string& bytes, const std::string& lease = "") {
  WriterOptions o;
  o.ref = "t";
  o.lease_id = lease;
  auto w = s.Writer(o);
  if (!w.ok()) return w.status();
  if (absl::Status st = (*w)->Write(bytes); !st.ok()) return st;
  return (*w)->Commit(static_cast<int64_t>(bytes.size()), Digest::Sha256Of(bytes), {});
}

TEST(LocalStoreTest, SecondOpenOfARootNamesTheHolder) {
  TempDir dir;
  auto first = LocalStore::Open(LocalStoreOptions{dir.path(), nullptr, nullptr, "reclaim serve"});
  ASSERT_TRUE(first.ok()) << first.status();
  // flock locks belong to the open file description, so a child process is a
  // real second holder.
  pid_t pid = ::fork();
  if (pid == 0) {
    auto second = LocalStore::Open(LocalStoreOptions{dir.path(), nullptr, nullptr, "reclaim"});
    const std::string msg(second.status().message());
    const bool ok = !second.ok() && second.status().code() == absl::StatusCode::kFailedPrecondition &&
                    msg.find("reclaim serve") != std::string::npos &&
                    msg.find(std::to_string(::getppid())) != std::string::npos;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  first->reset();
  EXPECT_TRUE(LocalStore::Open(LocalStoreOptions{dir.path()}).ok());
}

TEST(LocalStoreTest, BlobsLiveUnderBlobsSha256AndSurviveReopen) {
  TempDir dir;
  const std::string bytes = "persisted";
  {
    auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->CreateLease("keep", {}).ok());
    ASSERT_TRUE(PutBytes(**s, bytes, "keep").ok());
    EXPECT_TRUE(std::filesystem::exists((*s)->BlobPath(Digest::Sha256Of(bytes))));
  }
  auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(s.ok());
  auto read = (*s)->ReadBlob(Digest::Sha256Of(bytes), 100);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
}

TEST(LocalStoreTest, FailedRenameLeavesNothingVisible) {
  TempDir dir;
  PosixFs posix;
  FaultInjectionFs faulty(&posix);
  auto s = LocalStore::Open(LocalStoreOptions{dir.path(), &faulty});
  ASSERT_TRUE(s.ok());
  faulty.FailNth(FsOp::kRename, 1, absl::ResourceExhaustedError("no space left on device"));
  absl::Status st = PutBytes(**s, "doomed");
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_EQ((*s)->Info(Digest::Sha256Of("doomed")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/ingest"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/blobs/sha256"));
  // The store keeps working afterwards.
  EXPECT_TRUE(PutBytes(**s, "fine").ok());
}

TEST(LocalStoreTest, FailedSyncFailsTheCommit) {
  TempDir dir;
  PosixFs posix;
  FaultInjectionFs faulty(&posix);
  auto s = LocalStore::Open(LocalStoreOptions{dir.path(), &faulty});
  ASSERT_TRUE(s.ok());
  faulty.FailNth(FsOp::kSync, 1, absl::InternalError("fsync: input/output error"));
  EXPECT_FALSE(PutBytes(**s, "unsynced").ok());
  EXPECT_EQ((*s)->Info(Digest::Sha256Of("unsynced")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/ingest"));
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(LocalStoreTest, CollectRemovesCrashLeftovers) {
  TempDir dir;
  auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(s.ok());
  // What a crash can leave: a renamed blob whose row never landed, an ingest.
  const Digest orphan = Digest::Sha256Of("orphan");
  WriteFile((*s)->BlobPath(orphan), "orphan");
  WriteFile(dir.path() + "/ingest/123-dead/data", "half");
  auto report = (*s)->Fsck(false);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean());  // leftovers are collectable, not corruption
  EXPECT_EQ(report->garbage.size(), 2u);
  ASSERT_TRUE((*s)->Collect().ok());
  EXPECT_FALSE(std::filesystem::exists((*s)->BlobPath(orphan)));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/ingest"));
  report = (*s)->Fsck(false);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->garbage.empty());
}

TEST(LocalStoreTest, FsckFindsAndRepairsCorruption) {
  TempDir dir;
  auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->CreateLease("keep", {}).ok());
  ASSERT_TRUE(PutBytes(**s, "good", "keep").ok());
  ASSERT_TRUE(PutBytes(**s, "will rot", "keep").ok());
  ASSERT_TRUE(PutBytes(**s, "will vanish", "keep").ok());
  Descriptor target;
  target.media_type = std::string(kOciManifest);
  target.digest = Digest::Sha256Of("never stored");
  target.size = 12;
  ASSERT_TRUE((*s)->CreateImage(ImageRecord{"docker.io/library/ghost:1", target}).ok());
  WriteFile((*s)->BlobPath(Digest::Sha256Of("will rot")), "rotted!!");
  std::filesystem::remove((*s)->BlobPath(Digest::Sha256Of("will vanish")));

  auto report = (*s)->Fsck(false);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->blobs_checked, 3);
  ASSERT_EQ(report->problems.size(), 3u);
  std::string all;
  for (const auto& p : report->problems) {
    all += p.what + "\n";
    EXPECT_FALSE(p.repaired);
  }
    EXPECT_NE(all.find("is corrupt"), std::string::npos) << all;
  EXPECT_NE(all.find("file is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("ghost:1"), std::string::npos) << all;

  auto repaired = (*s)->Fsck(true);
  ASSERT_TRUE(repaired.ok());
  int fixed = 0;
  for (const auto& p : repaired->problems) fixed += p.repaired ? 1 : 0;
  EXPECT_EQ(fixed, 2);  // the two bad blobs; the image record is only reported
  auto after = (*s)->Fsck(false);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->problems.size(), 1u);
  EXPECT_NE(after->problems[0].what.find("ghost:1"), std::string::npos);
  EXPECT_TRUE((*s)->ReadBlob(Digest::Sha256Of("good"), 100).ok());
}

}  // namespace
}  // namespace reclaim
