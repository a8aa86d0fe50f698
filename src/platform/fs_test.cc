// The Fs conformance suite: every behaviour runs against PosixFs (in a fresh
// mkdtemp directory), MemFs, and a pass-through FaultInjectionFs over MemFs.
#include "platform/fs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/fault_injection_fs.h"
#include "platform/mem_fs.h"
#include "platform/posix_fs.h"

namespace reclaim {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class FsConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& kind = GetParam();
    if (kind == "posix") {
      char tmpl[] = "/tmp/reclaim-fs-test-XXXXXX";
      ASSERT_NE(::mkdtemp(tmpl), nullptr) << "mkdtemp: " << errno;
      root_ = tmpl;
      fs_ = std::make_unique<PosixFs>();
    } else {
      mem_ = std::make_unique<MemFs>();
      if (kind == "mem") {
        fs_ = std::make_unique<MemFs>();
      } else {
        fs_ = std::make_unique<FaultInjectionFs>(mem_.get());
      }
      root_ = "/tmp/reclaim-fs-test";
      ASSERT_TRUE(fs_->CreateDirs(root_).ok());
    }
  }

  void TearDown() override {
    if (GetParam() == "posix" && !root_.empty()) {
      EXPECT_TRUE(PosixFs().RemoveAll(root_).ok());
      EXPECT_FALSE(*PosixFs().Exists(root_));
    }
  }

  std::string P(const std::string& rel) const { return root_ + "/" + rel; }

  void Write(const std::string& rel, const std::string& bytes) {
    ASSERT_TRUE(fs_->WriteFileAtomic(P(rel), bytes).ok()) << rel;
  }

  std::string root_;
  std::unique_ptr<MemFs> mem_;  // target of the fault-injection variant
  std::unique_ptr<Fs> fs_;
};

void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(s.message(), message);
}

TEST_P(FsConformanceTest, WriteAtomicThenRead) {
  Write("a", "hello");
  EXPECT_EQ(*fs_->ReadFile(P("a")), "hello");
  Write("a", "replaced, longer");
  EXPECT_EQ(*fs_->ReadFile(P("a")), "replaced, longer");
  Write("a", "");
  EXPECT_EQ(*fs_->ReadFile(P("a")), "");
  // No temporary is left behind.
  EXPECT_THAT(*fs_->ListDir(root_), ElementsAre("a"));
}

TEST_P(FsConformanceTest, BinaryAndLargeContent) {
  std::string binary("a\0b\0\xff\n", 6);
  Write("bin", binary);
  EXPECT_EQ(*fs_->ReadFile(P("bin")), binary);
  std::string big(3 * 1024 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>(i % 251);
  Write("big", big);
  EXPECT_EQ(*fs_->ReadFile(P("big")), big);
  EXPECT_EQ(*fs_->FileSize(P("big")), big.size());
}

TEST_P(FsConformanceTest, MissingFiles) {
  const std::string missing = P("missing");
  ExpectError(fs_->ReadFile(missing).status(), absl::StatusCode::kNotFound,
              "open " + missing + ": no such file or directory");
  ExpectError(fs_->OpenForRead(missing).status(), absl::StatusCode::kNotFound,
              "open " + missing + ": no such file or directory");
  ExpectError(fs_->FileSize(missing).status(), absl::StatusCode::kNotFound,
              "stat " + missing + ": no such file or directory");
  ExpectError(fs_->IsDirectory(missing).status(), absl::StatusCode::kNotFound,
              "stat " + missing + ": no such file or directory");
  ExpectError(fs_->ListDir(missing).status(), absl::StatusCode::kNotFound,
              "open " + missing + ": no such file or directory");
  ExpectError(fs_->Remove(missing), absl::StatusCode::kNotFound,
              "remove " + missing + ": no such file or directory");
  ExpectError(fs_->SyncDir(missing), absl::StatusCode::kNotFound,
              "open " + missing + ": no such file or directory");
  const absl::Status no_parent = fs_->WriteFileAtomic(P("nodir/f"), "x");
  EXPECT_EQ(no_parent.code(), absl::StatusCode::kNotFound) << no_parent;
  EXPECT_THAT(std::string(no_parent.message()), StartsWith("open " + P("nodir/f") + ".tmp-"));
  EXPECT_THAT(std::string(no_parent.message()), EndsWith(": no such file or directory"));
  ExpectError(fs_->OpenForWrite(P("nodir/f")).status(), absl::StatusCode::kNotFound,
              "open " + P("nodir/f") + ": no such file or directory");
  // Missing is not an error for Exists and RemoveAll.
  EXPECT_FALSE(*fs_->Exists(missing));
  EXPECT_TRUE(fs_->RemoveAll(missing).ok());
}

TEST_P(FsConformanceTest, FileWhereADirectoryIsExpected) {
  Write("file", "x");
  const std::string below = P("file/child");
  EXPECT_FALSE(*fs_->Exists(below));
  ExpectError(fs_->ReadFile(below).status(), absl::StatusCode::kFailedPrecondition,
              "open " + below + ": not a directory");
  ExpectError(fs_->ListDir(P("file")).status(), absl::StatusCode::kFailedPrecondition,
              "open " + P("file") + ": not a directory");
  ExpectError(fs_->SyncDir(P("file")), absl::StatusCode::kFailedPrecondition,
              "open " + P("file") + ": not a directory");
  ExpectError(fs_->CreateDirs(P("file/a/b")), absl::StatusCode::kFailedPrecondition,
              "mkdir " + P("file") + ": not a directory");
  ExpectError(fs_->CreateDirs(P("file")), absl::StatusCode::kFailedPrecondition,
              "mkdir " + P("file") + ": not a directory");
  ExpectError(fs_->OpenForWrite(below).status(), absl::StatusCode::kFailedPrecondition,
              "open " + below + ": not a directory");
}

TEST_P(FsConformanceTest, DirectoryWhereAFileIsExpected) {
  ASSERT_TRUE(fs_->CreateDirs(P("d")).ok());
  const std::string d = P("d");
  ExpectError(fs_->ReadFile(d).status(), absl::StatusCode::kFailedPrecondition,
              "read " + d + ": is a directory");
  ExpectError(fs_->OpenForRead(d).status(), absl::StatusCode::kFailedPrecondition,
              "open " + d + ": is a directory");
  ExpectError(fs_->OpenForWrite(d).status(), absl::StatusCode::kFailedPrecondition,
              "open " + d + ": is a directory");
  ExpectError(fs_->FileSize(d).status(), absl::StatusCode::kFailedPrecondition,
              "stat " + d + ": is a directory");
}

TEST_P(FsConformanceTest, CreateDirsAndInspect) {
  ASSERT_TRUE(fs_->CreateDirs(P("a/b/c")).ok());
  ASSERT_TRUE(fs_->CreateDirs(P("a/b/c")).ok());  // idempotent
  ASSERT_TRUE(fs_->CreateDirs(P("a//b/d/")).ok());
  EXPECT_TRUE(*fs_->IsDirectory(P("a/b/c")));
  EXPECT_TRUE(*fs_->IsDirectory(P("a/b/d")));
  EXPECT_TRUE(*fs_->Exists(P("a/b")));
  Write("a/b/file", "12345");
  EXPECT_FALSE(*fs_->IsDirectory(P("a/b/file")));
  EXPECT_TRUE(*fs_->Exists(P("a/b/file")));
  EXPECT_EQ(*fs_->FileSize(P("a/b/file")), 5u);
  EXPECT_THAT(*fs_->ListDir(P("a/b")), ElementsAre("c", "d", "file"));
  EXPECT_THAT(*fs_->ListDir(P("a/b/c")), IsEmpty());
  EXPECT_TRUE(fs_->SyncDir(P("a/b")).ok());
}

TEST_P(FsConformanceTest, ListDirIsSortedAndShallow) {
  for (const char* name : {"b", "a-x", "a", "c.tmp", "B"}) Write(name, name);
  ASSERT_TRUE(fs_->CreateDirs(P("a0/deep/er")).ok());
  EXPECT_THAT(*fs_->ListDir(root_), ElementsAre("B", "a", "a-x", "a0", "b", "c.tmp"));
}

TEST_P(FsConformanceTest, Remove) {
  Write("f", "x");
  ASSERT_TRUE(fs_->CreateDirs(P("empty")).ok());
  ASSERT_TRUE(fs_->CreateDirs(P("full/sub")).ok());
  EXPECT_TRUE(fs_->Remove(P("f")).ok());
  EXPECT_FALSE(*fs_->Exists(P("f")));
  EXPECT_TRUE(fs_->Remove(P("empty")).ok());
  EXPECT_FALSE(*fs_->Exists(P("empty")));
  ExpectError(fs_->Remove(P("full")), absl::StatusCode::kFailedPrecondition,
              "remove " + P("full") + ": directory not empty");
  EXPECT_TRUE(*fs_->Exists(P("full/sub")));
}

TEST_P(FsConformanceTest, RemoveAll) {
  ASSERT_TRUE(fs_->CreateDirs(P("t/x/y")).ok());
  Write("t/x/y/f", "1");
  Write("t/g", "2");
  Write("t2", "keep");  // shares the prefix "t"
  EXPECT_TRUE(fs_->RemoveAll(P("t")).ok());
  EXPECT_FALSE(*fs_->Exists(P("t")));
  EXPECT_FALSE(*fs_->Exists(P("t/x/y/f")));
  EXPECT_EQ(*fs_->ReadFile(P("t2")), "keep");
  EXPECT_TRUE(fs_->RemoveAll(P("t2")).ok());  // a plain file
  EXPECT_THAT(*fs_->ListDir(root_), IsEmpty());
}

TEST_P(FsConformanceTest, RenameFiles) {
  Write("a", "A");
  Write("b", "B");
  ASSERT_TRUE(fs_->Rename(P("a"), P("c")).ok());
  EXPECT_FALSE(*fs_->Exists(P("a")));
  EXPECT_EQ(*fs_->ReadFile(P("c")), "A");
  ASSERT_TRUE(fs_->Rename(P("c"), P("b")).ok());  // replaces
  EXPECT_EQ(*fs_->ReadFile(P("b")), "A");
  EXPECT_THAT(*fs_->ListDir(root_), ElementsAre("b"));
  ASSERT_TRUE(fs_->Rename(P("b"), P("b")).ok());
  EXPECT_EQ(*fs_->ReadFile(P("b")), "A");
  ExpectError(fs_->Rename(P("nope"), P("x")), absl::StatusCode::kNotFound,
              "rename " + P("nope") + " " + P("x") + ": no such file or directory");
  ExpectError(fs_->Rename(P("b"), P("nodir/x")), absl::StatusCode::kNotFound,
              "rename " + P("b") + " " + P("nodir/x") + ": no such file or directory");
}

TEST_P(FsConformanceTest, RenameDirectories) {
  ASSERT_TRUE(fs_->CreateDirs(P("d/sub")).ok());
  Write("d/sub/f", "F");
  Write("d/g", "G");
  ASSERT_TRUE(fs_->CreateDirs(P("empty")).ok());
  ASSERT_TRUE(fs_->CreateDirs(P("full/x")).ok());
  Write("file", "x");
  ASSERT_TRUE(fs_->Rename(P("d"), P("e")).ok());
  EXPECT_FALSE(*fs_->Exists(P("d")));
  EXPECT_EQ(*fs_->ReadFile(P("e/sub/f")), "F");
  EXPECT_EQ(*fs_->ReadFile(P("e/g")), "G");
  ASSERT_TRUE(fs_->Rename(P("e"), P("empty")).ok());  // replaces an empty dir
  EXPECT_EQ(*fs_->ReadFile(P("empty/sub/f")), "F");
  ExpectError(fs_->Rename(P("empty"), P("full")), absl::StatusCode::kFailedPrecondition,
              "rename " + P("empty") + " " + P("full") + ": directory not empty");
  ExpectError(fs_->Rename(P("file"), P("full")), absl::StatusCode::kFailedPrecondition,
              "rename " + P("file") + " " + P("full") + ": is a directory");
  ExpectError(fs_->Rename(P("full"), P("file")), absl::StatusCode::kFailedPrecondition,
              "rename " + P("full") + " " + P("file") + ": not a directory");
  ExpectError(fs_->Rename(P("full"), P("full/x/inside")), absl::StatusCode::kInvalidArgument,
              "rename " + P("full") + " " + P("full/x/inside") + ": invalid argument");
}

TEST_P(FsConformanceTest, WritableFile) {
  auto file = fs_->OpenForWrite(P("w"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Append("one ").ok());
  EXPECT_TRUE((*file)->Append("").ok());
  EXPECT_TRUE((*file)->Append("two").ok());
  EXPECT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(*fs_->ReadFile(P("w")), "one two");  // visible before close
  EXPECT_TRUE((*file)->Close().ok());
  EXPECT_TRUE((*file)->Close().ok());
  ExpectError((*file)->Append("x"), absl::StatusCode::kFailedPrecondition,
              "write " + P("w") + ": file already closed");
  EXPECT_EQ((*file)->Sync().code(), absl::StatusCode::kFailedPrecondition);

  auto append = fs_->OpenForWrite(P("w"), WriteMode::kAppend);
  ASSERT_TRUE(append.ok()) << append.status();
  EXPECT_TRUE((*append)->Append(" three").ok());
  append->reset();  // the destructor closes
  EXPECT_EQ(*fs_->ReadFile(P("w")), "one two three");

  auto trunc = fs_->OpenForWrite(P("w"), WriteMode::kTruncate);
  ASSERT_TRUE(trunc.ok()) << trunc.status();
  EXPECT_EQ(*fs_->FileSize(P("w")), 0u);
  EXPECT_TRUE((*trunc)->Append("new").ok());
  EXPECT_TRUE((*trunc)->Close().ok());
  EXPECT_EQ(*fs_->ReadFile(P("w")), "new");
}

TEST_P(FsConformanceTest, SequentialFile) {
  Write("r", "0123456789");
  auto file = fs_->OpenForRead(P("r"));
  ASSERT_TRUE(file.ok()) << file.status();
  std::string got;
  // A short read is allowed; read until 4 bytes are in.
  while (got.size() < 4) {
    auto chunk = (*file)->Read(4 - got.size());
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    ASSERT_FALSE(chunk->empty());
    got += *chunk;
  }
  EXPECT_EQ(got, "0123");
  EXPECT_TRUE((*file)->Skip(3).ok());
  EXPECT_EQ(*(*file)->Read(100), "789");
  EXPECT_EQ(*(*file)->Read(100), "");
  EXPECT_TRUE((*file)->Skip(1000).ok());
  EXPECT_EQ(*(*file)->Read(1), "");
}

TEST_P(FsConformanceTest, OpenFilesSurviveRemoval) {
  Write("r", "data");
  auto reader = fs_->OpenForRead(P("r"));
  ASSERT_TRUE(reader.ok());
  auto writer = fs_->OpenForWrite(P("w"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(fs_->Remove(P("r")).ok());
  ASSERT_TRUE(fs_->Remove(P("w")).ok());
  EXPECT_EQ(*(*reader)->Read(10), "data");
  EXPECT_TRUE((*writer)->Append("x").ok());
  EXPECT_TRUE((*writer)->Close().ok());
  EXPECT_FALSE(*fs_->Exists(P("w")));
}

TEST_P(FsConformanceTest, ConcurrentAtomicWrites) {
  constexpr int kThreads = 4;
  constexpr int kFilesPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kFilesPerThread; ++i) {
        const std::string name = "f" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(fs_->WriteFileAtomic(P(name), name).ok());
        // Everyone also rewrites one shared file.
        EXPECT_TRUE(fs_->WriteFileAtomic(P("shared"), name).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto names = fs_->ListDir(root_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), static_cast<size_t>(kThreads * kFilesPerThread + 1));
  for (const std::string& name : *names) {
    if (name == "shared") continue;
    EXPECT_EQ(*fs_->ReadFile(P(name)), name);
  }
  EXPECT_EQ(fs_->ReadFile(P("shared"))->substr(0, 1), "f");
}

INSTANTIATE_TEST_SUITE_P(AllFs, FsConformanceTest,
                         ::testing::Values("posix", "mem", "fault_injection_over_mem"),
                         [](const auto& info) { return info.param; });

TEST(PosixFsTest, PermissionDenied) {
  char tmpl[] = "/tmp/reclaim-fs-perm-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  PosixFs fs;
  ASSERT_TRUE(fs.WriteFileAtomic(root + "/f", "x").ok());
  ASSERT_EQ(::chmod(root.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((root + "/f").c_str(), 0), 0);
  // root bypasses permission checks, so the read runs in a child that drops to
  // an unprivileged user first.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(2);
    const absl::Status s = PosixFs().ReadFile(root + "/f").status();
    const bool ok = s.code() == absl::StatusCode::kPermissionDenied &&
                    s.message() == "open " + root + "/f: permission denied";
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs.RemoveAll(root).ok());
}

TEST(PosixFsTest, RealFsIsASingleton) { EXPECT_EQ(&RealFs(), &RealFs()); }

struct ErrnoCase {
  int err;
  absl::StatusCode code;
  std::string text;
};

TEST(ErrnoToStatusTest, Table) {
  const ErrnoCase cases[] = {
      {ENOENT, absl::StatusCode::kNotFound, "no such file or directory"},
      {EEXIST, absl::StatusCode::kAlreadyExists, "file exists"},
      {EACCES, absl::StatusCode::kPermissionDenied, "permission denied"},
      {EPERM, absl::StatusCode::kPermissionDenied, "operation not permitted"},
      {ENOSPC, absl::StatusCode::kResourceExhausted, "no space left on device"},
      {EDQUOT, absl::StatusCode::kResourceExhausted, "disk quota exceeded"},
      {ENOTDIR, absl::StatusCode::kFailedPrecondition, "not a directory"},
      {EISDIR, absl::StatusCode::kFailedPrecondition, "is a directory"},
      {ENOTEMPTY, absl::StatusCode::kFailedPrecondition, "directory not empty"},
      {EROFS, absl::StatusCode::kFailedPrecondition, "read-only file system"},
      {EXDEV, absl::StatusCode::kFailedPrecondition, "invalid cross-device link"},
      {ENAMETOOLONG, absl::StatusCode::kInvalidArgument, "file name too long"},
      {EIO, absl::StatusCode::kInternal, "input/output error"},
      {EMFILE, absl::StatusCode::kInternal, "too many open files"},
      {99999, absl::StatusCode::kInternal, "errno 99999"},
  };
  for (const auto& c : cases) {
    const absl::Status s = ErrnoToStatus(c.err, "write", "/data/blob");
    EXPECT_EQ(s.code(), c.code) << c.err;
    EXPECT_EQ(s.message(), "write /data/blob: " + c.text) << c.err;
  }
}

TEST(DirNameTest, Table) {
  const std::pair<std::string, std::string> cases[] = {
      {"/a/b/c", "/a/b"}, {"/a/b/", "/a"}, {"/a", "/"},     {"/", "/"},   {"a/b", "a"},
      {"a", "."},         {"", "."},       {"/a//b", "/a"}, {"//a", "/"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(DirName(in), want) << in;
}

}  // namespace
}  // namespace reclaim
