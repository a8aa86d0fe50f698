#include "cli/cli.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "store/local/local_store.h"

namespace reclaim {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-cli-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    env_.out = &out_;
    env_.err = &err_;
    env_.default_root = dir_ + "/default-root";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunCli(args, env_);
  }

  // A small root filesystem tar written with libarchive.
  std::string MakeRootfs(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    EXPECT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "etc/motd");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return path;
  }

  std::string dir_;
  std::ostringstream out_, err_;
  CliEnv env_;
};

TEST_F(CliTest, ImportListSaveLoadRoundTrip) {
  const std::string root = dir_ + "/a";
  const std::string rootfs = MakeRootfs("rootfs.tar", "hello\n");
  ASSERT_EQ(Run({"--root", root, "image", "import", rootfs, "demo:1", "--label", "team=infra"}), 0)
      << err_.str();
  const std::string id = out_.str().substr(0, out_.str().find('\n'));
  ASSERT_EQ(id.rfind("sha256:", 0), 0u) << id;

  // --root is accepted after the subcommand too.
  ASSERT_EQ(Run({"image", "ls", "--root", root}), 0) << err_.str();
  EXPECT_NE(out_.str().find("REPOSITORY   TAG       IMAGE ID       CREATED"), std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("demo         1         " + id.substr(7, 12)), std::string::npos)
      << out_.str();

  const std::string archive = dir_ + "/demo.tar";
  ASSERT_EQ(Run({"--root", root, "image", "save", "-o", archive, "demo:1"}), 0) << err_.str();
  ASSERT_TRUE(std::filesystem::exists(archive));
  EXPECT_FALSE(std::filesystem::exists(archive + ".reclaim-tmp"));

  const std::string other = dir_ + "/b";
  ASSERT_EQ(Run({"--root", other, "image", "load", "-i", archive}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Loaded image: demo:1\n");
  ASSERT_EQ(Run({"--root", other, "--format", "json", "image", "ls"}), 0);
  EXPECT_NE(out_.str().find("\"ID\":\"" + id + "\""), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("\"Repository\":\"demo\""), std::string::npos) << out_.str();

  ASSERT_EQ(Run({"--root", other, "fsck"}), 0) << out_.str();
  EXPECT_NE(out_.str().find("0 problem(s)"), std::string::npos) << out_.str();
}

TEST_F(CliTest, FsckReportsAndRepairsCorruption) {
  const std::string root = dir_ + "/r";
  ASSERT_EQ(Run({"--root", root, "image", "import", MakeRootfs("t.tar", "x"), "x:1"}), 0)
      << err_.str();
  // Corrupt every blob file (the store keeps them read-only by convention only).
  for (const auto& e : std::filesystem::directory_iterator(root + "/blobs/sha256")) {
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "rot";
  }
  EXPECT_EQ(Run({"--root", root, "fsck"}), 1);
  EXPECT_NE(out_.str().find("problem: blob sha256:"), std::string::npos) << out_.str();
  EXPECT_EQ(Run({"--root", root, "fsck", "--repair"}), 1);  // the image record stays broken
  EXPECT_NE(out_.str().find("(repaired)"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("targets sha256:"), std::string::npos) << out_.str();
}

TEST_F(CliTest, ErrorsGoToStderrWithStatusOne) {
  const std::string root = dir_ + "/e";
  EXPECT_EQ(Run({"--root", root, "image", "load", "-i", dir_ + "/missing.tar"}), 1);
  EXPECT_EQ(err_.str(), "Error: open " + dir_ + "/missing.tar: no such file or directory\n");
  EXPECT_TRUE(out_.str().empty());

  EXPECT_EQ(Run({"--root", root, "image", "save", "-o", dir_ + "/x.tar", "nope:1"}), 1);
  EXPECT_NE(err_.str().find("nope"), std::string::npos) << err_.str();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x.tar"));

  env_.stdout_is_terminal = true;
  EXPECT_EQ(Run({"--root", root, "image", "save", "nope:1"}), 1);
  EXPECT_EQ(err_.str(),
            "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n");

  EXPECT_EQ(Run({"--root", root, "image", "frobnicate"}), 2);
  EXPECT_NE(err_.str().find("Run 'reclaim --help' for usage."), std::string::npos);
}

TEST_F(CliTest, RootHeldByAServerIsAClearError) {
  const std::string root = dir_ + "/held";
  auto server = LocalStore::Open(LocalStoreOptions{root, nullptr, nullptr, "reclaim serve"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(Run({"--root", root, "image", "ls"}), 1);
  EXPECT_NE(err_.str().find("is in use by pid"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("(reclaim serve)"), std::string::npos) << err_.str();
}

TEST_F(CliTest, DefaultRootIsUsedWithoutFlag) {
  ASSERT_EQ(Run({"image", "ls"}), 0) << err_.str();
  EXPECT_TRUE(std::filesystem::exists(env_.default_root + "/meta.db"));
}

TEST_F(CliTest, VersionAndHelp) {
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_EQ(out_.str().rfind("reclaim version ", 0), 0u) << out_.str();
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_NE(out_.str().find("fsck"), std::string::npos);
  EXPECT_EQ(Run({"image", "load", "--help"}), 0);
  EXPECT_NE(out_.str().find("--input"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace reclaim
