#include "store/local/local_store.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/media_types.h"
#include "gtest/gtest.h"
#include "platform/fault_injection_fs.h"
#include "platform/posix_fs.h"
#include "platform/testing/temp_dir.h"
#include "store/conformance/conformance.h"
#include "store/local/sqlite.h"

namespace reclaim {
namespace {
using namespace media_types;  // NOLINT

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

RECLAIM_INSTANTIATE_STORE_CONFORMANCE(
    Local, (StoreFactory{"local", [] { return std::make_unique<LocalFixture>(); }}));

absl::Status PutBytes(Store& s, const std::string& bytes, const std::string& lease = "") {
  WriterOptions o;
  o.ref = "t";
  o.lease_id = lease;
  auto w = s.content().Writer(o);
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
    ASSERT_TRUE((*s)->leases().CreateLease("keep", {}).ok());
    ASSERT_TRUE(PutBytes(**s, bytes, "keep").ok());
    EXPECT_TRUE(std::filesystem::exists((*s)->BlobPath(Digest::Sha256Of(bytes))));
  }
  auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(s.ok());
  auto read = (*s)->content().ReadBlob(Digest::Sha256Of(bytes), 100);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
}

TEST(LocalStoreTest, OpeningDropsTheOperationLeasesOfADeadOwner) {
  TempDir dir;
  const std::string bytes = "written by a load that was killed";
  {
    auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->leases().CreateLease("reclaim-load-0123456789abcdef", {}).ok());
    ASSERT_TRUE(PutBytes(**s, bytes, "reclaim-load-0123456789abcdef").ok());
    ASSERT_TRUE((*s)->leases().CreateLease("someone-else", {}).ok());
    // The process dies here: nothing deletes its lease.
  }
  auto s = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(s.ok());
  auto leases = (*s)->leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].id, "someone-else");
  // What only that lease held is collectable at once.
  auto collected = (*s)->collector().Collect();
  ASSERT_TRUE(collected.ok()) << collected.status();
  EXPECT_EQ((*s)->content().Info(Digest::Sha256Of(bytes)).status().code(),
            absl::StatusCode::kNotFound);
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
  EXPECT_EQ((*s)->content().Info(Digest::Sha256Of("doomed")).status().code(),
            absl::StatusCode::kNotFound);
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
  EXPECT_EQ((*s)->content().Info(Digest::Sha256Of("unsynced")).status().code(),
            absl::StatusCode::kNotFound);
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
  ASSERT_TRUE((*s)->collector().Collect().ok());
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
  ASSERT_TRUE((*s)->leases().CreateLease("keep", {}).ok());
  ASSERT_TRUE(PutBytes(**s, "good", "keep").ok());
  ASSERT_TRUE(PutBytes(**s, "will rot", "keep").ok());
  ASSERT_TRUE(PutBytes(**s, "will vanish", "keep").ok());
  Descriptor target;
  target.media_type = std::string(kOciManifest);
  target.digest = Digest::Sha256Of("never stored");
  target.size = 12;
  ASSERT_TRUE((*s)->images().CreateImage(ImageRecord{"docker.io/library/ghost:1", target}).ok());
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
  EXPECT_TRUE((*s)->content().ReadBlob(Digest::Sha256Of("good"), 100).ok());
}

TEST(LocalStoreTest, RecordsGenerationMovesWithEveryRecordWrite) {
  TempDir dir;
  auto opened = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(opened.ok());
  LocalStore& s = **opened;
  ASSERT_TRUE(s.leases().CreateLease("keep", {}).ok());
  ASSERT_TRUE(PutBytes(s, "manifest", "keep").ok());
  Descriptor target{std::string(kOciManifest), Digest::Sha256Of("manifest"), 8};
  ContainerRecord container;
  container.id = "c1";
  container.image = "a:1";
  container.image_id = target.digest;
  struct Step {
    std::string what;
    std::function<absl::Status()> run;
    std::optional<bool> moves;  // nullopt: either
  };
  const std::vector<Step> steps = {
      {"create image",
       [&] {
         return s.images().CreateImage({"docker.io/library/a:1", target}).status();
       },
       true},
      {"create image (taken)",
       [&] {
         absl::Status st = s.images().CreateImage({"docker.io/library/a:1", target}).status();
         return absl::IsAlreadyExists(st) ? absl::OkStatus() : st;
       },
       std::nullopt},  // a failed write may or may not move it
      {"update image",
       [&] {
         return s.images().UpdateImage({"docker.io/library/a:1", target, {{"k", "v"}}}).status();
       },
       true},
      {"create container", [&] { return s.containers().CreateContainer(container).status(); },
       true},
      {"read everything",
       [&]() -> absl::Status {
         if (!s.images().ListImages().ok() || !s.containers().ListContainers().ok() ||
             !s.images().GetImage("docker.io/library/a:1").ok() ||
             !s.content().ReadBlob(target.digest, 100).ok()) {
           return absl::InternalError("read failed");
         }
         return absl::OkStatus();
       },
       false},
      {"write content and leases",
       [&]() -> absl::Status {
         if (absl::Status st = PutBytes(s, "more", "keep"); !st.ok()) return st;
         if (!s.content().UpdateContentLabels(Digest::Sha256Of("more"), {{"x", "1"}}).ok()) {
           return absl::InternalError("labels");
         }
         return s.leases().CreateLease("other", {}).status();
       },
       false},
      {"delete container", [&] { return s.containers().DeleteContainer("c1"); }, true},
      {"delete image", [&] { return s.images().DeleteImage("docker.io/library/a:1"); }, true},
      {"collect", [&] { return s.collector().Collect().status(); }, false},
      {"delete images and collect",
       [&] { return s.collector().DeleteImagesAndCollect({"docker.io/library/gone:1"}).status(); },
       true},
  };
  absl::StatusOr<uint64_t> before = s.RecordsGeneration();
  ASSERT_TRUE(before.ok()) << before.status();
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    ASSERT_TRUE(step.run().ok());
    absl::StatusOr<uint64_t> after = s.RecordsGeneration();
    ASSERT_TRUE(after.ok());
    if (step.moves == true) {
      EXPECT_NE(*after, *before);
    } else if (step.moves == false) {
      EXPECT_EQ(*after, *before);
    }
    before = after;
  }
}

TEST(LocalStoreTest, StateGenerationMovesWithEveryWrite) {
  TempDir dir;
  auto opened = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(opened.ok());
  LocalStore& s = **opened;
  Descriptor target{std::string(kOciManifest), Digest::Sha256Of("manifest"), 8};
  ContainerRecord container;
  container.id = "c1";
  container.image = "a:1";
  container.image_id = target.digest;
  struct Step {
    std::string what;
    std::function<absl::Status()> run;
    bool moves;
  };
  const std::vector<Step> steps = {
      {"create lease", [&] { return s.leases().CreateLease("keep", {}).status(); }, true},
      {"commit a blob under the lease", [&] { return PutBytes(s, "manifest", "keep"); }, true},
      {"commit a loose blob", [&] { return PutBytes(s, "loose"); }, true},
      {"commit an existing blob",
       [&] {
         absl::Status st = PutBytes(s, "loose");
         return absl::IsAlreadyExists(st) ? absl::OkStatus() : st;
       },
       true},
      {"add a lease resource",
       [&] {
         return s.leases().AddLeaseResource(
             "keep", {LeaseResourceType::kContent, Digest::Sha256Of("loose").str(), ""});
       },
       true},
      {"update content labels",
       [&] {
         return s.content().UpdateContentLabels(target.digest, {{"k", "v"}}).status();
       },
       true},
      {"create image",
       [&] {
         return s.images().CreateImage({"docker.io/library/a:1", target}).status();
       },
       true},
      {"update image",
       [&] {
         return s.images().UpdateImage({"docker.io/library/a:1", target, {{"k", "v"}}}).status();
       },
       true},
      {"create container", [&] { return s.containers().CreateContainer(container).status(); },
       true},
      {"read everything",
       [&]() -> absl::Status {
         if (!s.images().ListImages().ok() || !s.containers().ListContainers().ok() ||
             !s.content().ListContent().ok() || !s.leases().ListLeases().ok() ||
             !s.content().Info(target.digest).ok() ||
             !s.content().ReadBlob(target.digest, 100).ok() || !s.RecordsGeneration().ok()) {
           return absl::InternalError("read failed");
         }
         return absl::OkStatus();
       },
       false},
      {"delete container", [&] { return s.containers().DeleteContainer("c1"); }, true},
      {"delete image", [&] { return s.images().DeleteImage("docker.io/library/a:1"); }, true},
      {"delete content", [&] { return s.content().DeleteContent(Digest::Sha256Of("loose")); },
       true},
      {"delete lease", [&] { return s.leases().DeleteLease("keep", /*sync=*/false); }, true},
      {"collect", [&] { return s.collector().Collect().status(); }, true},
      {"delete images and collect",
       [&] { return s.collector().DeleteImagesAndCollect({"docker.io/library/gone:1"}).status(); },
       true},
  };
  absl::StatusOr<uint64_t> before = s.StateGeneration();
  ASSERT_TRUE(before.ok()) << before.status();
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    ASSERT_TRUE(step.run().ok());
    absl::StatusOr<uint64_t> after = s.StateGeneration();
    ASSERT_TRUE(after.ok());
    if (step.moves) {
      EXPECT_NE(*after, *before);
    } else {
      EXPECT_EQ(*after, *before);
    }
    before = after;
  }
  // The collection removed the blob the deleted lease held.
  EXPECT_TRUE(absl::IsNotFound(s.content().Info(target.digest).status()));
}

TEST(LocalStoreTest, ListingDecodesEachDistinctTargetCorrectly) {
  TempDir dir;
  auto opened = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(opened.ok());
  LocalStore& s = **opened;
  Descriptor plain{std::string(kOciManifest), Digest::Sha256Of("plain"), 10};
  Descriptor index{std::string(kOciIndex), Digest::Sha256Of("index"), 20};
  index.annotations = {{"org.opencontainers.image.ref.name", "1"}};
  Descriptor with_platform = plain;
  with_platform.platform = Platform{"arm64", "linux", "v8", "", {}};
  const std::vector<ImageRecord> records = {
      {"docker.io/library/a:1", plain},
      {"docker.io/library/a:2", index},
      {"docker.io/library/a:3", plain},
      {"docker.io/library/a:4", with_platform},
      {"docker.io/library/a:5", index, {{"l", "1"}}},
  };
  for (const ImageRecord& r : records) ASSERT_TRUE(s.images().CreateImage(r).ok()) << r.name;
  auto listed = s.images().ListImages();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ((*listed)[i].name, records[i].name);
    EXPECT_EQ((*listed)[i].target, records[i].target) << records[i].name;
    EXPECT_EQ((*listed)[i].labels, records[i].labels) << records[i].name;
    auto got = s.images().GetImage(records[i].name);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->target, records[i].target);
  }
}

TEST(LocalStoreTest, ReadBlobNeedsTheContentRow) {
  TempDir dir;
  auto opened = LocalStore::Open(LocalStoreOptions{dir.path()});
  ASSERT_TRUE(opened.ok());
  LocalStore& s = **opened;
  // A file without a row (a crash's leftover) is not content.
  const Digest orphan = Digest::Sha256Of("orphan");
  WriteFile(s.BlobPath(orphan), "orphan");
  EXPECT_EQ(s.content().ReadBlob(orphan, 100).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.content().OpenBlob(orphan).status().code(), absl::StatusCode::kNotFound);
  // A row whose file is gone reads as not found too; the size cap uses the row.
  ASSERT_TRUE(s.leases().CreateLease("keep", {}).ok());
  ASSERT_TRUE(PutBytes(s, "twelve bytes", "keep").ok());
  const Digest d = Digest::Sha256Of("twelve bytes");
  EXPECT_EQ(s.content().ReadBlob(d, 11).status().code(), absl::StatusCode::kResourceExhausted);
  auto blob = s.content().OpenBlob(d);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ((*blob)->size(), 12);
  std::filesystem::remove(s.BlobPath(d));
  EXPECT_EQ(s.content().ReadBlob(d, 100).status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteDbTest, CachedStatementsAreResetAndNestedUsesGetTheirOwn) {
  TempDir dir;
  auto db = SqliteDb::Open(dir.path() + "/t.db", /*sync=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k INTEGER)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (1), (2), (3)").ok());
  const std::string kSelect = "SELECT k FROM t ORDER BY k";
  std::vector<int64_t> outer_rows, inner_rows;
  {
    auto outer = (*db)->PrepareCached(kSelect);
    ASSERT_TRUE(outer.ok());
    for (;;) {
      auto row = outer->Step();
      ASSERT_TRUE(row.ok());
      if (!*row) break;
      outer_rows.push_back(outer->ColumnInt64(0));
      // The same SQL while the cached statement is borrowed: a statement of its own.
      auto inner = (*db)->PrepareCached(kSelect);
      ASSERT_TRUE(inner.ok());
      auto first = inner->Step();
      ASSERT_TRUE(first.ok() && *first);
      inner_rows.push_back(inner->ColumnInt64(0));
    }
  }
  EXPECT_EQ(outer_rows, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(inner_rows, (std::vector<int64_t>{1, 1, 1}));
  // Left after one row: the next borrower starts again from the first row, with
  // fresh binds, and no read transaction stays open (a write and a checkpoint run).
  const std::string kCount = "SELECT count(*) FROM t WHERE k >= ?1";
  for (int64_t from : {int64_t{2}, int64_t{1}}) {
    auto st = (*db)->PrepareCached(kCount);
    ASSERT_TRUE(st.ok());
    st->Bind(1, from);
    auto row = st->Step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(st->ColumnInt64(0), 4 - from);
  }
  {
    auto partial = (*db)->PrepareCached(kSelect);
    ASSERT_TRUE(partial.ok());
    ASSERT_TRUE(partial->Step().ok());
  }
  EXPECT_TRUE((*db)->Exec("INSERT INTO t VALUES (4)").ok());
  EXPECT_TRUE((*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  auto again = (*db)->PrepareCached(kSelect);
  ASSERT_TRUE(again.ok());
  auto row = again->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(again->ColumnInt64(0), 1);
}

// Many blobs collected at once are unlinked on several threads, while other
// threads commit some of the same blobs again: every blob with a row keeps its
// file, every file without a row goes.
TEST(LocalStoreTest, ParallelUnlinksRaceRecommitsSafely) {
  TempDir dir;
  for (int threads : {1, 4}) {
    SCOPED_TRACE("unlink threads " + std::to_string(threads));
    const std::string root = dir.path() + "/root" + std::to_string(threads);
    LocalStoreOptions options{root};
    options.sync = false;
    options.unlink_threads = threads;
    auto opened = LocalStore::Open(options);
    ASSERT_TRUE(opened.ok());
    LocalStore& s = **opened;
    constexpr int kBlobs = 600;
    for (int round = 0; round < 3; ++round) {
      ASSERT_TRUE(s.leases().CreateLease("l", {}).ok());
      for (int i = 0; i < kBlobs; ++i) {
        ASSERT_TRUE(PutBytes(s, "blob " + std::to_string(i), "l").ok());
      }
      ASSERT_TRUE(s.leases().DeleteLease("l", /*sync=*/false).ok());
      std::atomic<bool> stop{false};
      std::vector<std::thread> writers;
      for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&s, &stop, w] {
          // Keep some blobs alive again under a lease of their own while the
          // collection unlinks them.
          const std::string lease = "w" + std::to_string(w);
          (void)s.leases().CreateLease(lease, {});
          for (int i = w; i < kBlobs && !stop.load(); i += 7) {
            absl::Status st = PutBytes(s, "blob " + std::to_string(i), lease);
            if (!st.ok() && !absl::IsAlreadyExists(st)) ADD_FAILURE() << st;
          }
        });
      }
      auto collected = s.collector().Collect();
      stop.store(true);
      for (std::thread& t : writers) t.join();
      ASSERT_TRUE(collected.ok()) << collected.status();
      auto report = s.Fsck(false);
      ASSERT_TRUE(report.ok());
      for (const FsckProblem& p : report->problems) ADD_FAILURE() << p.what;
      // Nothing is left behind once the leases go.
      for (int w = 0; w < 2; ++w)
        ASSERT_TRUE(s.leases().DeleteLease("w" + std::to_string(w), false).ok());
      ASSERT_TRUE(s.collector().Collect().ok());
      auto content = s.content().ListContent();
      ASSERT_TRUE(content.ok());
      EXPECT_TRUE(content->empty());
      EXPECT_TRUE(std::filesystem::is_empty(root + "/blobs/sha256"));
    }
  }
}

// Forwards to PosixFs; the removal of one chosen file announces itself and
// then takes its time.
class SlowRemoveFs final : public Fs {
 public:
  SlowRemoveFs(std::string slow_path, absl::Duration delay)
      : slow_path_(std::move(slow_path)), delay_(delay) {}
  std::atomic<bool> removing{false};

  absl::StatusOr<std::string> ReadFile(const std::string& p) override { return fs_.ReadFile(p); }
  absl::StatusOr<std::unique_ptr<SequentialFile>> OpenForRead(const std::string& p) override {
    return fs_.OpenForRead(p);
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& p,
                                                             WriteMode mode) override {
    return fs_.OpenForWrite(p, mode);
  }
  absl::Status CreateDirs(const std::string& p) override { return fs_.CreateDirs(p); }
  absl::StatusOr<bool> Exists(const std::string& p) override { return fs_.Exists(p); }
  absl::StatusOr<uint64_t> FileSize(const std::string& p) override { return fs_.FileSize(p); }
  absl::StatusOr<bool> IsDirectory(const std::string& p) override { return fs_.IsDirectory(p); }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& p) override {
    return fs_.ListDir(p);
  }
  absl::Status Remove(const std::string& p) override {
    if (p == slow_path_) {
      removing.store(true);
      absl::SleepFor(delay_);
    }
    return fs_.Remove(p);
  }
  absl::Status RemoveAll(const std::string& p) override { return fs_.RemoveAll(p); }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return fs_.Rename(from, to);
  }
  absl::Status SyncDir(const std::string& p) override { return fs_.SyncDir(p); }

 private:
  PosixFs fs_;
  const std::string slow_path_;
  const absl::Duration delay_;
};

// A blob committed again while the collection that dropped its row is still
// unlinking its old file keeps the new file.
TEST(LocalStoreTest, RecommitDuringTheUnlinkOfTheSameBlobKeepsTheNewFile) {
  TempDir dir;
  const std::string bytes = "recommitted";
  const Digest d = Digest::Sha256Of(bytes);
  const std::string root = dir.path() + "/root";
  SlowRemoveFs fs(root + "/blobs/sha256/" + std::string(d.hex()), absl::Milliseconds(300));
  LocalStoreOptions options{root, &fs};
  options.sync = false;
  auto opened = LocalStore::Open(options);
  ASSERT_TRUE(opened.ok());
  LocalStore& s = **opened;
  ASSERT_TRUE(s.leases().CreateLease("l", {}).ok());
  ASSERT_TRUE(PutBytes(s, bytes, "l").ok());
  ASSERT_TRUE(s.leases().DeleteLease("l", /*sync=*/false).ok());
  ASSERT_TRUE(s.leases().CreateLease("keep", {}).ok());
  std::thread collector([&s] { EXPECT_TRUE(s.collector().Collect().ok()); });
  while (!fs.removing.load()) absl::SleepFor(absl::Milliseconds(1));
  // The row is gone and the old file is being unlinked: commit it again.
  EXPECT_TRUE(PutBytes(s, bytes, "keep").ok());
  collector.join();
  auto read = s.content().ReadBlob(d, 100);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
  auto report = s.Fsck(false);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean());
}

}  // namespace
}  // namespace reclaim
