#include "cli/cli.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "cli/commands.h"
#include "core/human_size.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/clock.h"
#include "store/local/local_store.h"

namespace reclaim {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);  // 2023-11-14 22:13:20 UTC

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-cli-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    root_ = dir_ + "/root";
    env_.out = &out_;
    env_.err = &err_;
    env_.in = &in_;
    env_.clock = &clock_;
    env_.zone = absl::UTCTimeZone();
    env_.store_sync = false;
    env_.default_root = dir_ + "/default-root";
    env_.wait_poll = absl::Milliseconds(5);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // `reclaim <args>` with `input` on the prompt stream.
  int Run(std::vector<std::string> args, const std::string& input = "") {
    out_.str("");
    err_.str("");
    in_.clear();
    in_.str(input);
    return RunCli(args, env_);
  }
  // The same with `--root <root_>` first.
  int R(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--root", root_});
    return Run(std::move(args), input);
  }
  // Runs and expects success; returns stdout.
  std::string Ok(std::vector<std::string> args, const std::string& input = "") {
    const int status = R(args, input);
    EXPECT_EQ(status, 0) << "args: " << ::testing::PrintToString(args) << "\nstderr: "
                         << err_.str() << "\nstdout: " << out_.str();
    return out_.str();
  }

  // A small root filesystem tar written with libarchive.
  std::string MakeRootfs(const std::string& content) {
    const std::string path = dir_ + "/rootfs-" + std::to_string(++tars_) + ".tar";
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

  // Imports a one-layer image (contents `content`) as `name` ("" for a
  // dangling one); returns its ID `sha256:<hex>`.
  std::string Import(const std::string& name, const std::string& content,
                     std::vector<std::string> labels = {}) {
    std::vector<std::string> args = {"image", "import", MakeRootfs(content)};
    if (!name.empty()) args.push_back(name);
    for (const std::string& l : labels) {
      args.push_back("--label");
      args.push_back(l);
    }
    const std::string out = Ok(args);
    return out.substr(0, out.find('\n'));
  }
  // Creates a container from `image` (as typed); returns its 64-hex ID.
  std::string Container(const std::string& image, const std::string& name = "") {
    std::vector<std::string> args = {"container", "create"};
    if (!name.empty()) args.insert(args.end(), {"--name", name});
    args.push_back(image);
    const std::string out = Ok(args);
    return out.substr(0, out.find('\n'));
  }
  // The (REPOSITORY, TAG) pairs `image ls` shows, sorted.
  std::vector<std::string> Listed() {
    std::vector<std::string> rows;
    for (const std::string& line : Lines(Ok({"image", "ls", "--format", "json"}))) {
      nlohmann::json j = nlohmann::json::parse(line);
      rows.push_back(j["Repository"].get<std::string>() + ":" + j["Tag"].get<std::string>());
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  std::string dir_;
  std::string root_;
  int tars_ = 0;
  std::ostringstream out_, err_;
  std::istringstream in_;
  FakeClock clock_{kStart};
  CliEnv env_;
};

std::string Hex(const std::string& id) { return id.substr(7); }
std::string Short(const std::string& id) { return id.substr(id.find(':') + 1, 12); }

// ---------------------------------------------------------------- basics

TEST_F(CliTest, ImportListSaveLoadRoundTrip) {
  const std::string root = dir_ + "/a";
  const std::string rootfs = MakeRootfs("hello\n");
  ASSERT_EQ(Run({"--root", root, "image", "import", rootfs, "demo:1", "--label", "team=infra"}), 0)
      << err_.str();
  const std::string id = out_.str().substr(0, out_.str().find('\n'));
  ASSERT_EQ(id.rfind("sha256:", 0), 0u) << id;

  // --root is accepted after the subcommand too.
  clock_.Advance(absl::Hours(2));
  ASSERT_EQ(Run({"image", "ls", "--root", root}), 0) << err_.str();
  const auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_EQ(lines[0], "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE");
  EXPECT_EQ(lines[1].substr(0, 52), "demo         1         " + Short(id) + "   2 hours ago   ")
      << lines[1];

  const std::string archive = dir_ + "/demo.tar";
  ASSERT_EQ(Run({"--root", root, "image", "save", "-o", archive, "demo:1"}), 0) << err_.str();
  ASSERT_TRUE(std::filesystem::exists(archive));
  EXPECT_FALSE(std::filesystem::exists(archive + ".reclaim-tmp"));

  const std::string other = dir_ + "/b";
  ASSERT_EQ(Run({"--root", other, "image", "load", "-i", archive}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Loaded image: demo:1\n");
  EXPECT_EQ(err_.str(), "");  // not a terminal: no progress
  ASSERT_EQ(Run({"--root", other, "--format", "json", "image", "ls"}), 0);
  nlohmann::json j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["ID"], Short(id));
  EXPECT_EQ(j["Repository"], "demo");
  EXPECT_EQ(j["Tag"], "1");
  EXPECT_EQ(j["Digest"], "<none>");
  EXPECT_THAT(out_.str(), HasSubstr("\"Digest\":\"\\u003cnone\\u003e\""));  // Go's escaping
  EXPECT_EQ(j["CreatedAt"], "2023-11-14 22:13:20 +0000 UTC");
  EXPECT_EQ(j["CreatedSince"], "2 hours ago");

  ASSERT_EQ(Run({"--root", other, "fsck"}), 0) << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("0 problem(s)"));
}

TEST_F(CliTest, FsckReportsAndRepairsCorruption) {
  Import("x:1", "x");
  // Corrupt every blob file (the store keeps them read-only by convention only).
  for (const auto& e : std::filesystem::directory_iterator(root_ + "/blobs/sha256")) {
    ::chmod(e.path().c_str(), 0644);
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "rot";
  }
  EXPECT_EQ(R({"fsck"}), 1);
  EXPECT_THAT(out_.str(), HasSubstr("problem: blob sha256:"));
  EXPECT_EQ(R({"fsck", "--repair"}), 1);  // the image record stays broken
  EXPECT_THAT(out_.str(), HasSubstr("(repaired)"));
  EXPECT_THAT(out_.str(), HasSubstr("targets sha256:"));
}

TEST_F(CliTest, InfoShowsTheHostProfileAndRejectsBadHostFlags) {
  EXPECT_EQ(Ok({"info"}), "Store: " + std::string("local ") + root_ +
                              "\nHost profile: containerd (the embedded store)\nMin age: 0\n");
  EXPECT_THAT(Ok({"--host", "kubernetes", "info"}),
              HasSubstr("Host profile: kubernetes (--host kubernetes)\nMin age: 2m\n"
                        "Sandbox image: registry.k8s.io/pause:3.6\n"));
  EXPECT_THAT(Ok({"--host", "kubernetes", "--min-age", "90s", "info"}), HasSubstr("Min age: 1m30s"));
  EXPECT_EQ(R({"--host", "k8s", "info"}), 1);
  EXPECT_EQ(err_.str(), "Error: invalid host profile \"k8s\": use containerd, kubernetes or docker\n");
  EXPECT_EQ(R({"--min-age", "soon", "info"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("for \"--min-age\" flag"));
}

TEST_F(CliTest, ErrorsGoToStderrWithStatusOne) {
  EXPECT_EQ(R({"image", "load", "-i", dir_ + "/missing.tar"}), 1);
  EXPECT_EQ(err_.str(), "Error: open " + dir_ + "/missing.tar: no such file or directory\n");
  EXPECT_TRUE(out_.str().empty());

  EXPECT_EQ(R({"image", "save", "-o", dir_ + "/x.tar", "nope:1"}), 1);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:1\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x.tar"));

  env_.stdout_is_terminal = true;
  EXPECT_EQ(R({"image", "save", "nope:1"}), 1);
  EXPECT_EQ(err_.str(),
            "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n");

  EXPECT_EQ(R({"image", "frobnicate"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("Run 'reclaim --help' for usage."));
}

TEST_F(CliTest, RootHeldByAServerIsAClearError) {
  auto server = LocalStore::Open(LocalStoreOptions{root_, nullptr, nullptr, "reclaim serve"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(R({"image", "ls"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("is in use by pid"));
  EXPECT_THAT(err_.str(), HasSubstr("(reclaim serve)"));
  // A server is not a prune: the prune says who is in the way.
  EXPECT_EQ(R({"image", "prune", "-f"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("(reclaim serve)"));
}

TEST_F(CliTest, DefaultRootIsUsedWithoutFlag) {
  ASSERT_EQ(Run({"image", "ls"}), 0) << err_.str();
  EXPECT_TRUE(std::filesystem::exists(env_.default_root + "/meta.db"));
}

TEST_F(CliTest, VersionAndHelp) {
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_EQ(out_.str().rfind("reclaim version ", 0), 0u) << out_.str();
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("fsck"));
  EXPECT_THAT(out_.str(), HasSubstr("container"));
  EXPECT_EQ(Run({"image", "load", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--input"));
  EXPECT_EQ(Run({"image", "prune", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--dry-run"));
}

TEST(MarkContainerCommandTest, PutsASeparatorBeforeTheImage) {
  using cli_internal::MarkContainerCommand;
  using V = std::vector<std::string>;
  EXPECT_EQ(MarkContainerCommand(V{"container", "create", "busybox", "sh", "-c", "x"}),
            (V{"container", "create", "--", "busybox", "sh", "-c", "x"}));
  EXPECT_EQ(MarkContainerCommand(
                V{"--root", "/r", "container", "create", "--name", "web", "-l", "a=b", "alpine"}),
            (V{"--root", "/r", "container", "create", "--name", "web", "-l", "a=b", "--",
               "alpine"}));
  EXPECT_EQ(MarkContainerCommand(V{"container", "create", "--", "alpine"}),
            (V{"container", "create", "--", "alpine"}));
  EXPECT_EQ(MarkContainerCommand(V{"image", "create", "x"}), (V{"image", "create", "x"}));
  EXPECT_EQ(MarkContainerCommand(V{"container", "ls", "-a"}), (V{"container", "ls", "-a"}));
}

// ---------------------------------------------------------------- image commands

TEST_F(CliTest, ImageLsColumnsDigestsQuietFiltersAndCreatedFromConfig) {
  const std::string a = Import("busybox:latest", "a", {"team=infra"});
  clock_.Advance(absl::Hours(1));
  const std::string b = Import("", "b");  // dangling
  clock_.Advance(absl::Hours(2));
  Ok({"image", "tag", "busybox", "busybox:a"});     // a new record, 3 hours after the config
  Ok({"image", "tag", "busybox", "other/app:1"});

  const auto rows = Lines(Ok({"image", "ls"}));
  ASSERT_EQ(rows.size(), 5u) << out_.str();
  EXPECT_EQ(rows[0], "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE");
  // Newest first; repositories of one image in sorted order; CREATED from the
  // image config, not from the (newer) records.
  EXPECT_THAT(rows[1], ::testing::StartsWith("<none>       <none>    " + Short(b) +
                                             "   2 hours ago   "));
  EXPECT_THAT(rows[2], ::testing::StartsWith("busybox      a         " + Short(a) +
                                             "   3 hours ago   "));
  EXPECT_THAT(rows[3], ::testing::StartsWith("busybox      latest    " + Short(a)));
  EXPECT_THAT(rows[4], ::testing::StartsWith("other/app    1         " + Short(a)));

  EXPECT_EQ(Ok({"image", "ls", "-q"}),
            Short(b) + "\n" + Short(a) + "\n" + Short(a) + "\n" + Short(a) + "\n");
  EXPECT_EQ(Ok({"image", "ls", "-q", "--no-trunc", "--filter", "dangling=true"}), b + "\n");
  EXPECT_EQ(Ok({"image", "ls", "-q", "--filter", "label=team=infra", "-a"}),
            Short(a) + "\n" + Short(a) + "\n" + Short(a) + "\n");
  EXPECT_EQ(Ok({"image", "ls", "-q", "other/*"}), Short(a) + "\n");

  const auto digests = Lines(Ok({"image", "ls", "--digests", "busybox"}));
  ASSERT_EQ(digests.size(), 3u) << out_.str();
  EXPECT_EQ(digests[0].substr(0, 33), "REPOSITORY   TAG       DIGEST    ");
  EXPECT_THAT(digests[1], ::testing::StartsWith("busybox      a         " + a + "   " + Short(a)));

  EXPECT_EQ(R({"image", "ls", "--filter", "foo=bar"}), 1);
  EXPECT_EQ(err_.str(), "Error: invalid filter 'foo'\n");
}

TEST_F(CliTest, ImageInspectPrintsDockersArray) {
  const std::string id = Import("busybox:latest", "a", {"team=infra"});
  const std::string out = Ok({"image", "inspect", "busybox"});
  ASSERT_EQ(out.substr(0, 16), "[\n    {\n        ") << out;
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(out);
  ASSERT_EQ(j.size(), 1u);
  std::vector<std::string> keys;
  for (auto it = j[0].begin(); it != j[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"Id", "RepoTags", "RepoDigests", "Parent", "Comment",
                                            "Created", "DockerVersion", "Author", "Config",
                                            "Architecture", "Os", "Size", "GraphDriver", "RootFS",
                                            "Metadata", "Descriptor"}));
  EXPECT_EQ(j[0]["Id"], id);
  EXPECT_EQ(j[0]["RepoTags"], nlohmann::ordered_json::array({"busybox:latest"}));
  EXPECT_EQ(j[0]["RepoDigests"], nlohmann::ordered_json::array({"busybox@" + id}));
  EXPECT_EQ(j[0]["Created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(j[0]["Config"]["Labels"]["team"], "infra");
  EXPECT_EQ(j[0]["Descriptor"]["digest"], id);
  EXPECT_TRUE(j[0]["GraphDriver"]["Data"].is_null());

  // A missing name: the others are still printed, the error follows, status 1.
  EXPECT_EQ(R({"image", "inspect", "nope", Short(id)}), 1);
  EXPECT_EQ(nlohmann::json::parse(out_.str()).size(), 1u);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:latest\n");
  EXPECT_EQ(R({"image", "inspect", "nope"}), 1);
  EXPECT_EQ(out_.str(), "[]\n");
}

TEST_F(CliTest, ImageHistoryColumns) {
  const std::string id = Import("busybox:latest", "a");
  clock_.Advance(absl::Hours(5));
  const auto rows = Lines(Ok({"image", "history", "busybox"}));
  ASSERT_EQ(rows.size(), 2u) << out_.str();
  EXPECT_EQ(rows[0], "IMAGE          CREATED       CREATED BY   SIZE      COMMENT");
  EXPECT_THAT(rows[1], ::testing::StartsWith(Short(id) + "   5 hours ago                "));
  EXPECT_THAT(rows[1], ::testing::EndsWith("   Imported from -"));
  EXPECT_EQ(Ok({"image", "history", "-q", "busybox"}), Short(id) + "\n");
  const std::string json = Ok({"--format", "json", "image", "history", "busybox"});
  nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_EQ(j["ID"], Short(id));
  EXPECT_EQ(j["CreatedAt"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(j["Comment"], "Imported from -");
  EXPECT_EQ(R({"image", "history", "nope:2"}), 1);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:2\n");
}

TEST_F(CliTest, ImageTagAndItsErrors) {
  const std::string id = Import("busybox:latest", "a");
  EXPECT_EQ(Ok({"image", "tag", "busybox", "localhost:5000/x/busybox"}), "");
  EXPECT_EQ(Ok({"image", "tag", Short(id), "busybox:b"}), "");
  EXPECT_EQ(Listed(), (std::vector<std::string>{"busybox:b", "busybox:latest",
                                                "localhost:5000/x/busybox:latest"}));
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"image", "tag", "nope:1", "x"}, "Error: No such image: nope:1\n"},
      {{"image", "tag", "busybox", "B:c"},
       "Error: Error parsing reference: \"B:c\" is not a valid repository/tag: invalid reference "
       "format: repository name (library/B) must be lowercase\n"},
      {{"image", "tag", "busybox", "b@" + id},
       "Error: refusing to create a tag with a digest reference\n"},
      {{"image", "tag", "busybox", "sha256:1"},
       "Error: refusing to create an ambiguous tag using digest algorithm as name\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(R(c.args), 1) << c.err;
    EXPECT_EQ(err_.str(), c.err);
  }
}

TEST_F(CliTest, ImageLoadDrawsProgressOnATerminalOnly) {
  Import("demo:1", std::string(200000, 'x'));
  const std::string archive = dir_ + "/demo.tar";
  Ok({"image", "save", "-o", archive, "demo:1"});
  root_ = dir_ + "/other";
  env_.stderr_is_terminal = true;
  env_.progress_delay = absl::ZeroDuration();
  EXPECT_EQ(Ok({"image", "load", "-i", archive}), "Loaded image: demo:1\n");
  EXPECT_THAT(err_.str(), HasSubstr("\rLoading  ["));
  EXPECT_THAT(err_.str(), HasSubstr("/" + HumanSizeBytes(std::filesystem::file_size(archive))));
  EXPECT_THAT(err_.str(), ::testing::EndsWith("\r\x1b[K"));  // the line is cleared
  EXPECT_EQ(Ok({"image", "load", "-q", "-i", archive}), "Loaded image: demo:1\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CliTest, ImageRmConflictsAndForceLeavesADanglingRecord) {
  const std::string used = Import("busybox:latest", "a");
  const std::string other = Import("other:1", "b");
  const std::string c = Container("busybox");

  // The conflict is reported after the other names were handled; status 1.
  EXPECT_EQ(R({"image", "rm", "busybox", "other:1"}), 1);
  EXPECT_EQ(out_.str(), "Untagged: other:1\nDeleted: " + other + "\n");
  EXPECT_EQ(err_.str(), "Error: conflict: unable to remove repository reference \"busybox\" "
                        "(must force) - container " + c.substr(0, 12) +
                        " is using its referenced image " + Short(used) + "\n");
  EXPECT_EQ(R({"image", "rm", used}), 1);
  EXPECT_EQ(err_.str(), "Error: conflict: unable to delete " + Short(used) +
                        " (must be forced) - image is being used by stopped container " +
                        c.substr(0, 12) + "\n");

  // -f: the name goes, a dangling record keeps the content for the container.
  EXPECT_EQ(Ok({"image", "rm", "-f", "busybox"}), "Untagged: busybox:latest\n");
  const auto rows = Lines(Ok({"image", "ls"}));
  ASSERT_EQ(rows.size(), 2u) << out_.str();
  EXPECT_THAT(rows[1], ::testing::StartsWith("<none>       <none>    " + Short(used) + "   "));
  // Not even -a prunes it while the container exists.
  EXPECT_EQ(Ok({"image", "prune", "-a", "-f"}), "Total reclaimed space: 0B\n");

  // docker rmi -f: only "not found" errors: printed, status 0. Without -f: 1.
  EXPECT_EQ(R({"image", "rm", "-f", "nope"}), 0);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:latest\n");
  EXPECT_EQ(R({"image", "rm", "nope"}), 1);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:latest\n");

  // Once the container is gone, the dangling record goes with a plain prune.
  Ok({"container", "rm", c});
  const std::string out = Ok({"image", "prune", "-f"});
  EXPECT_THAT(out, ::testing::StartsWith("Deleted Images:\nuntagged: " + used + "\ndeleted: " +
                                         used + "\n"));
}

// ---------------------------------------------------------------- prune: §4.4

// prune.md §4.4: the container reference forms, each against one tag and two
// tags of the same digest D.
TEST_F(CliTest, WorkedExamplesReferenceForms) {
  struct Form {
    std::string name;
    std::function<std::string(const std::string& id)> ref;
    std::string pruned_of_two;  // which of busybox:latest / busybox:a goes with -a
  };
  const std::vector<Form> forms = {
      {"full ID", [](const std::string& id) { return id; }, "busybox:a"},
      {"64-hex without prefix", [](const std::string& id) { return Hex(id); }, "busybox:a"},
      {"8-char prefix", [](const std::string& id) { return Hex(id).substr(0, 8); }, "busybox:a"},
      {"name@digest", [](const std::string& id) { return "busybox@" + id; }, "busybox:a"},
      {"name:tag@digest", [](const std::string& id) { return "busybox:latest@" + id; },
       "busybox:a"},
      {"plain name", [](const std::string&) { return std::string("busybox"); }, "busybox:a"},
      {"tag latest", [](const std::string&) { return std::string("busybox:latest"); },
       "busybox:a"},
      {"tag a", [](const std::string&) { return std::string("busybox:a"); }, "busybox:latest"},
  };
  int n = 0;
  for (const Form& form : forms) {
    SCOPED_TRACE(form.name);
    // One tag: nothing is pruned.
    root_ = dir_ + "/single-" + std::to_string(n);
    const std::string id = Import("busybox:latest", "a");
    if (form.name != "tag a") {
      Container(form.ref(id));
      EXPECT_EQ(Ok({"image", "prune", "-a", "-f"}), "Total reclaimed space: 0B\n");
      EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:latest"});
    }
    // Two tags of D: the sorted-first unprotected one goes, its content stays.
    root_ = dir_ + "/double-" + std::to_string(n++);
    const std::string id2 = Import("busybox:latest", "a");
    Ok({"image", "tag", "busybox:latest", "busybox:a"});
    Container(form.ref(id2));
    EXPECT_EQ(Ok({"image", "prune", "-a", "-f"}),
              "Deleted Images:\nuntagged: " + form.pruned_of_two +
                  "\n\nTotal reclaimed space: 0B\n");
    const std::string kept = form.pruned_of_two == "busybox:a" ? "busybox:latest" : "busybox:a";
    EXPECT_EQ(Listed(), std::vector<std::string>{kept});
  }
}

TEST_F(CliTest, WorkedExampleElevenTagsKeepTheLastInSortOrder) {
  const std::string id = Import("busybox:z", "a");
  for (const char* t : {"a", "e", "h", "j", "o", "q", "r", "s", "t", "w"}) {
    Ok({"image", "tag", "busybox:z", std::string("busybox:") + t});
  }
  Container(id);
  std::string want = "Deleted Images:\n";
  for (const char* t : {"a", "e", "h", "j", "o", "q", "r", "s", "t", "w"}) {
    want += std::string("untagged: busybox:") + t + "\n";
  }
  want += "\nTotal reclaimed space: 0B\n";
  EXPECT_EQ(Ok({"image", "prune", "-a", "-f"}), want);
  EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:z"});
}

TEST_F(CliTest, WorkedExampleRepointedNameKeepsBoth) {
  const std::string d = Import("alpine:latest", "old");
  const std::string c = Container("alpine");
  clock_.Advance(absl::Minutes(1));
  const std::string e = Import("alpine:latest", "new");  // D is now moby-dangling@D
  ASSERT_NE(d, e);
  EXPECT_EQ(Listed(), (std::vector<std::string>{"<none>:<none>", "alpine:latest"}));
  EXPECT_EQ(Ok({"image", "prune", "-a", "-f"}), "Total reclaimed space: 0B\n");
  EXPECT_EQ(Ok({"image", "prune", "-f"}), "Total reclaimed space: 0B\n");
  EXPECT_EQ(Listed(), (std::vector<std::string>{"<none>:<none>", "alpine:latest"}));
  const auto lines = Lines(Ok({"image", "prune", "-a", "--explain"}));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("keep   alpine:latest   "));
  EXPECT_THAT(lines[0], ::testing::EndsWith("used by container " + c.substr(0, 12) +
                                            " (by name alpine)"));
  EXPECT_THAT(lines[1], ::testing::StartsWith("keep   " + d + "   "));
  EXPECT_THAT(lines[1], ::testing::EndsWith("dangling record of an image container " +
                                            c.substr(0, 12) + " uses"));
}

TEST_F(CliTest, WorkedExampleNameUseDoesNotProtectTheDigest) {
  const std::string d = Import("alpine:latest", "a");
  Ok({"image", "tag", "alpine", "other:1"});
  Container("alpine");
  EXPECT_EQ(Ok({"image", "rm", "alpine"}), "Untagged: alpine:latest\n");
  const std::string out = Ok({"image", "prune", "-a", "-f"});
  EXPECT_THAT(out, ::testing::StartsWith("Deleted Images:\nuntagged: other:1\ndeleted: " + d +
                                         "\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Total reclaimed space: 0B")));
  EXPECT_TRUE(Listed().empty());
}

// ---------------------------------------------------------------- prune: modes

TEST_F(CliTest, PruneDefaultsToDanglingOnly) {
  const std::string tagged = Import("busybox:latest", "a");
  const std::string dangling = Import("", "b");
  const std::string out = Ok({"image", "prune", "-f"});
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 7u) << out;
  EXPECT_EQ(lines[0], "Deleted Images:");
  EXPECT_EQ(lines[1], "untagged: " + dangling);
  EXPECT_EQ(lines[2], "deleted: " + dangling);  // the manifest, then config and layer
  EXPECT_THAT(lines[3], ::testing::StartsWith("deleted: sha256:"));
  EXPECT_THAT(lines[4], ::testing::StartsWith("deleted: sha256:"));
  EXPECT_EQ(lines[5], "");
  EXPECT_THAT(lines[6], ::testing::StartsWith("Total reclaimed space: "));
  EXPECT_NE(lines[6], "Total reclaimed space: 0B");
  EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:latest"});
  EXPECT_EQ(Ok({"image", "prune", "-f"}), "Total reclaimed space: 0B\n");
}

TEST_F(CliTest, PruneFilters) {
  const std::string old_img = Import("old:1", "old", {"team=infra"});
  clock_.Advance(absl::Hours(2));
  const std::string new_img = Import("new:1", "new", {"team=web"});
  const std::string bare = Import("bare:1", "bare");
  struct Case {
    std::vector<std::string> filters;
    std::vector<std::string> untagged;
  } cases[] = {
      {{"until=1h"}, {"old:1"}},
      {{"until=3h"}, {}},
      {{"until=" + std::to_string(absl::ToUnixSeconds(kStart) + 1)}, {"old:1"}},
      {{"until=" + std::to_string(absl::ToUnixSeconds(kStart))}, {}},  // strictly before
      {{"label=team=infra"}, {"old:1"}},
      {{"label=team"}, {"new:1", "old:1"}},
      {{"label!=team=infra"}, {"bare:1", "new:1"}},  // images without `team` too
      {{"label!=team"}, {"bare:1"}},
      {{"label=team", "until=1h"}, {"old:1"}},
      {{"label=team!=infra"}, {"bare:1", "new:1"}},  // `k!=v` inside label is label!
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.filters));
    std::vector<std::string> args = {"image", "prune", "-a", "--explain", "--format", "json"};
    for (const std::string& f : c.filters) args.insert(args.end(), {"--filter", f});
    nlohmann::json j = nlohmann::json::parse(Ok(args));
    std::vector<std::string> pruned;
    for (const auto& d : j["Decisions"]) {
      if (d["Action"] == "prune") pruned.push_back(d["Name"]);
    }
    EXPECT_EQ(pruned, c.untagged);
  }
  // And for real, once.
  const std::string out = Ok({"image", "prune", "-a", "-f", "--filter", "until=1h"});
  EXPECT_THAT(out, ::testing::StartsWith("Deleted Images:\nuntagged: old:1\ndeleted: " +
                                         old_img + "\n"));
  EXPECT_EQ(Listed(), (std::vector<std::string>{"bare:1", "new:1"}));
  (void)new_img;
  (void)bare;
}

TEST_F(CliTest, PruneFilterErrors) {
  Import("busybox:latest", "a");
  const std::string long_label = "label=" + std::string(4097, 'k');
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string err;
  } cases[] = {
      {{"--filter", "foo=bar"}, 1, "Error: invalid filter 'foo'\n"},
      {{"--filter", "before=x"}, 1, "Error: invalid filter 'before'\n"},
      {{"--filter", "dangling=false"}, 1, "Error: invalid filter 'dangling=[false true]'\n"},
      {{"-a", "--filter", "dangling=true"}, 1, "Error: invalid filter 'dangling=[false true]'\n"},
      {{"--filter", "until=foo"}, 1,
       "Error: invalid value for 'until' filter: failed to parse value as time or duration: "
       "invalid seconds \"foo\": invalid syntax\n"},
      {{"--filter", "until=2006-01-02T15:04:0"}, 1,
       "Error: invalid value for 'until' filter: parsing time \"2006-01-02T15:04:0\" as "
       "\"2006-01-02T15:04:05\": cannot parse \"0\" as \"05\"\n"},
      {{"--filter", "until="}, 1,
       "Error: invalid value for 'until' filter: failed to parse value as time or duration: "
       "value is empty\n"},
      {{"--filter", long_label}, 1,
       "Error: label key and value length (4097 bytes) greater than maximum size (4096 bytes), "
       "key: " + std::string(64, 'k') + ": invalid argument\n"},
      {{"--filter", "nonsense"}, 2,
       "Error: invalid argument \"nonsense\" for \"--filter\" flag: bad format of filter "
       "(expected name=value)\nRun 'reclaim --help' for usage.\n"},
      // A recognised value beside junk wins: no error.
      {{"--filter", "dangling=potato"}, 0, ""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"image", "prune", "-f"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    EXPECT_EQ(R(args), c.status) << ::testing::PrintToString(c.args);
    EXPECT_EQ(err_.str(), c.err);
  }
  EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:latest"});
}

TEST_F(CliTest, PrunePromptsAsDocker) {
  const std::string kDangling =
      "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ";
  const std::string kAll =
      "WARNING! This will remove all images without at least one container associated to "
      "them.\nAre you sure you want to continue? [y/N] ";
  Import("busybox:latest", "a");
  for (const std::string input : {"", "n\n", "N\n", "\n", "yes\n", "no"}) {
    EXPECT_EQ(R({"image", "prune", "-a"}, input), 0) << input;
    EXPECT_EQ(out_.str(), kAll) << input;  // nothing more
    EXPECT_EQ(err_.str(), "");
    EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:latest"});
  }
  env_.in = nullptr;  // no input at all reads as end of input
  EXPECT_EQ(R({"image", "prune"}), 0);
  EXPECT_EQ(out_.str(), kDangling);
  env_.in = &in_;
  EXPECT_EQ(R({"image", "prune"}, "y\n"), 0);
  EXPECT_EQ(out_.str(), kDangling + "Total reclaimed space: 0B\n");
  EXPECT_EQ(R({"image", "prune", "-a"}, " Y \n"), 0);
  EXPECT_THAT(out_.str(), ::testing::StartsWith(kAll + "Deleted Images:\nuntagged: busybox:latest\n"));
  EXPECT_TRUE(Listed().empty());
}

TEST_F(CliTest, DryRunPrintsTheRealOutputAndChangesNothing) {
  const std::string a = Import("busybox:latest", "a");
  Ok({"image", "tag", "busybox", "busybox:b"});
  Import("", "dangling-1");
  Import("app:1", "app");
  clock_.Advance(absl::Minutes(5));
  Import("app:1", "app-2");  // the old app:1 becomes dangling
  Container("busybox:b");

  const std::string before = Ok({"image", "ls", "-a", "--digests"});
  const std::string dry = Ok({"image", "prune", "-a", "--dry-run"});  // no prompt, no -f
  const std::string dry_json = Ok({"--format", "json", "image", "prune", "-a", "--dry-run"});
  EXPECT_EQ(Ok({"image", "ls", "-a", "--digests"}), before);
  ASSERT_THAT(dry, ::testing::StartsWith("Dry run: nothing was changed.\nDeleted Images:\n"));

  const std::string real = Ok({"image", "prune", "-a", "-f"});
  EXPECT_EQ(dry, "Dry run: nothing was changed.\n" + real);
  EXPECT_THAT(real, HasSubstr("untagged: busybox:latest\n"));
  EXPECT_THAT(real, ::testing::Not(HasSubstr("untagged: busybox:b\n")));
  EXPECT_EQ(Listed(), std::vector<std::string>{"busybox:b"});

  // The JSON of the dry run is the real prune's body.
  nlohmann::json dj = nlohmann::json::parse(dry_json);
  EXPECT_TRUE(dj.contains("ImagesDeleted"));
  EXPECT_TRUE(dj.contains("SpaceReclaimed"));
  std::string from_json = "Deleted Images:\n";
  for (const auto& item : dj["ImagesDeleted"]) {
    from_json += item.contains("Untagged") ? "untagged: " + item["Untagged"].get<std::string>()
                                           : "deleted: " + item["Deleted"].get<std::string>();
    from_json += "\n";
  }
  from_json += "\nTotal reclaimed space: " + HumanSizeBytes(dj["SpaceReclaimed"]) + "\n";
  EXPECT_EQ(from_json, real);
  (void)a;
}

TEST_F(CliTest, ExplainLinesAndTotals) {
  const std::string used = Import("busybox:latest", "a");
  const std::string dangling = Import("", "b");
  const std::string c = Container("busybox");
  const size_t width = dangling.size() + 3;  // the longest name, padded by 3
  auto pad = [&](const std::string& name) {
    return name + std::string(width - name.size(), ' ');
  };

  std::string out = Ok({"image", "prune", "--explain"});
  EXPECT_EQ(out,
            "keep   " + pad("busybox:latest") + "not dangling (use -a to prune tagged images)\n" +
                "prune  " + pad(dangling) + "dangling image\n" + "\n" +
                "2 images: 1 to prune, 1 to keep\n" + "Total reclaimable space: " +
                Lines(Ok({"image", "prune", "--dry-run"})).back().substr(23) + "\n");

  out = Ok({"image", "prune", "-a", "--explain"});
  EXPECT_EQ(Lines(out)[0], "keep   " + pad("busybox:latest") + "used by container " +
                               c.substr(0, 12) + " (by name busybox)");
  EXPECT_EQ(Lines(out)[1], "prune  " + pad(dangling) + "dangling image");

  nlohmann::json j = nlohmann::json::parse(Ok({"--format", "json", "image", "prune", "-a",
                                               "--explain"}));
  ASSERT_EQ(j["Decisions"].size(), 2u);
  EXPECT_EQ(j["Decisions"][0]["Action"], "keep");
  EXPECT_EQ(j["Decisions"][0]["Reason"], "used_by_name");
  EXPECT_EQ(j["Decisions"][0]["Container"], c);
  EXPECT_EQ(j["Decisions"][1]["Name"], dangling);
  EXPECT_EQ(j["Decisions"][1]["Reason"], "dangling");
  EXPECT_EQ(j["Decisions"][1]["SpaceReclaimed"], j["SpaceReclaimed"]);
  // Nothing changed.
  EXPECT_EQ(Listed(), (std::vector<std::string>{"<none>:<none>", "busybox:latest"}));
  (void)used;
}

TEST_F(CliTest, PerImageFailuresPrintTheReportThenTheErrors) {
  const std::string good = Import("", "good");
  const std::string bad = Import("", "bad");
  // Corrupt the config of `bad`: its walk fails, the other is still pruned.
  std::ifstream manifest_file(root_ + "/blobs/sha256/" + Hex(bad));
  nlohmann::json manifest = nlohmann::json::parse(manifest_file);
  const std::string config = manifest["config"]["digest"];
  const std::string path = root_ + "/blobs/sha256/" + config.substr(7);
  ::chmod(path.c_str(), 0644);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "rot";

  EXPECT_EQ(R({"image", "prune", "-f"}), 1);
  EXPECT_THAT(out_.str(), ::testing::StartsWith("Deleted Images:\nuntagged: " + good + "\n"));
  EXPECT_THAT(out_.str(), HasSubstr("Total reclaimed space: "));
  EXPECT_THAT(err_.str(), ::testing::StartsWith("Error: " + bad + ": "));
  EXPECT_EQ(Lines(err_.str()).size(), 1u) << err_.str();
  EXPECT_EQ(Listed(), std::vector<std::string>{"<none>:<none>"});
}

TEST_F(CliTest, PruneWhileAnotherPruneHoldsTheStore) {
  Import("", "a");
  auto other = LocalStore::Open(
      LocalStoreOptions{root_, nullptr, nullptr, "reclaim image prune"});
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(R({"image", "prune", "-f"}), 1);
  EXPECT_EQ(err_.str(), "Error: a prune operation is already running\n");
  EXPECT_EQ(R({"system", "prune", "-f"}), 1);
  EXPECT_EQ(err_.str(), "Error: a prune operation is already running\n");

  // --wait queues until the other prune lets go.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    other->reset();
  });
  const int status = R({"image", "prune", "-f", "--wait"});
  release.join();
  EXPECT_EQ(status, 0) << err_.str();
  EXPECT_THAT(err_.str(), ::testing::StartsWith("Waiting: store "));
  EXPECT_THAT(out_.str(), ::testing::StartsWith("Deleted Images:\n"));
}

TEST_F(CliTest, CancellationStopsThePruneAndChangesNothing) {
  const std::string dangling = Import("", "a");
  CancelToken cancel;
  std::atomic<bool> interruptible{false};
  env_.cancel = &cancel;
  env_.interruptible = &interruptible;

  // Cancelled while waiting for the store: main's handler only cancels while
  // the command says it can stop (interruptible).
  auto other = LocalStore::Open(LocalStoreOptions{root_, nullptr, nullptr, "reclaim image prune"});
  ASSERT_TRUE(other.ok());
  std::atomic<bool> saw_interruptible{false};
  std::thread signal([&] {
    for (int i = 0; i < 2000 && !interruptible.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    saw_interruptible = interruptible.load();
    cancel.Cancel();
  });
  EXPECT_EQ(R({"image", "prune", "-f", "--wait"}), 130);
  signal.join();
  EXPECT_TRUE(saw_interruptible.load());
  EXPECT_FALSE(interruptible.load());
  EXPECT_THAT(err_.str(), HasSubstr("Error: waiting for the store: context canceled\n"));
  other->reset();

  // Cancelled before the delete phase: nothing changes.
  EXPECT_EQ(R({"image", "prune", "-f"}), 130);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "Error: image prune: context canceled\n");
  EXPECT_EQ(Listed(), std::vector<std::string>{"<none>:<none>"});

  // system prune: what was pruned before the cancellation is printed first.
  Container(Hex(dangling));
  EXPECT_EQ(R({"system", "prune", "-f"}), 130);
  EXPECT_THAT(out_.str(), ::testing::StartsWith("Deleted Containers:\n"));
  EXPECT_EQ(err_.str(), "Error: image prune: context canceled\n");
}

// ---------------------------------------------------------------- containers

TEST_F(CliTest, ContainerCreateListRemove) {
  const std::string id = Import("busybox:latest", "a");
  const std::string web = Container("busybox", "web");
  EXPECT_EQ(web.size(), 64u);
  EXPECT_EQ(web.find_first_not_of("0123456789abcdef"), std::string::npos);
  clock_.Advance(absl::Minutes(3));
  ASSERT_EQ(R({"container", "create", "--name", "sh", "busybox:latest", "sh", "-c", "echo hi"}), 0)
      << err_.str();
  const std::string sh = Lines(out_.str())[0];
  clock_.Advance(absl::Minutes(3));
  const std::string by_id = Container(id);

  // No container runs: plain `ls` lists none, as `docker ps` lists no created one.
  EXPECT_EQ(Ok({"container", "ls"}),
            "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
  const auto rows = Lines(Ok({"container", "ls", "-a"}));
  ASSERT_EQ(rows.size(), 4u) << out_.str();
  EXPECT_EQ(rows[0],
            "CONTAINER ID   IMAGE            COMMAND           CREATED                  STATUS    "
            "PORTS     NAMES");
  EXPECT_THAT(rows[1], ::testing::StartsWith(by_id.substr(0, 12) + "   " + Short(id) +
                                             "     \"\"                Less than a second ago"));
  EXPECT_EQ(rows[2], sh.substr(0, 12) +
                         "   busybox:latest   \"sh -c echo hi\"   3 minutes ago            Created             sh");
  EXPECT_EQ(rows[3], web.substr(0, 12) +
                         "   busybox          \"\"                6 minutes ago            Created             web");
  EXPECT_EQ(Ok({"container", "ls", "-a", "-q"}),
            by_id.substr(0, 12) + "\n" + sh.substr(0, 12) + "\n" + web.substr(0, 12) + "\n");

  // A name moved away: the IMAGE column shows the ID (moby's list rule).
  clock_.Advance(absl::Minutes(1));
  Import("busybox:latest", "other");
  EXPECT_THAT(Lines(Ok({"container", "ls", "-a"}))[3],
              ::testing::StartsWith(web.substr(0, 12) + "   " + Short(id) + "   "));

  EXPECT_EQ(R({"container", "create", "--name", "web", "busybox"}), 1);
  EXPECT_EQ(err_.str(), "Error: Conflict. The container name \"/web\" is already in use by "
                        "container \"" + web + "\". You have to remove (or rename) that "
                        "container to be able to reuse that name.\n");
  EXPECT_EQ(R({"container", "create", "nope"}), 1);
  EXPECT_EQ(err_.str(), "Error: No such image: nope:latest\n");

  EXPECT_EQ(R({"container", "rm", "web", sh.substr(0, 8), "missing"}), 1);
  EXPECT_EQ(out_.str(), "web\n" + sh.substr(0, 8) + "\n");
  EXPECT_EQ(err_.str(), "Error: No such container: missing\n");
  EXPECT_EQ(R({"container", "rm", "-f", "missing"}), 0);
  EXPECT_EQ(err_.str(), "Error: No such container: missing\n");
  EXPECT_EQ(Ok({"container", "ls", "-a", "-q", "--no-trunc"}), by_id + "\n");

  nlohmann::json j = nlohmann::json::parse(Ok({"--format", "json", "container", "ls", "-a"}));
  EXPECT_EQ(j["ID"], by_id.substr(0, 12));
  EXPECT_EQ(j["State"], "created");
  EXPECT_EQ(j["Status"], "Created");
}

TEST_F(CliTest, ContainerPrunePromptFiltersAndOutput) {
  Import("busybox:latest", "a");
  const std::string old_c = Container("busybox");
  clock_.Advance(absl::Hours(2));
  ASSERT_EQ(R({"container", "create", "-l", "keep=1", "busybox"}), 0);
  const std::string kept = Lines(out_.str())[0];

  const std::string kPrompt =
      "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? "
      "[y/N] ";
  EXPECT_EQ(R({"container", "prune"}, "n\n"), 0);
  EXPECT_EQ(out_.str(), kPrompt);
  EXPECT_EQ(R({"container", "prune", "--filter", "foo=1"}, "y\n"), 1);
  EXPECT_EQ(err_.str(), "Error: invalid filter 'foo'\n");
  EXPECT_EQ(R({"container", "prune", "-f", "--filter", "until=3h"}), 0);
  EXPECT_EQ(out_.str(), "Total reclaimed space: 0B\n");
  EXPECT_EQ(R({"container", "prune", "--filter", "label!=keep"}, "y\n"), 0);
  EXPECT_EQ(out_.str(), kPrompt + "Deleted Containers:\n" + old_c + "\n\nTotal reclaimed space: 0B\n");
  nlohmann::json j = nlohmann::json::parse(Ok({"--format", "json", "container", "prune", "-f"}));
  EXPECT_EQ(j["ContainersDeleted"], nlohmann::json::array({kept}));
  EXPECT_EQ(j["SpaceReclaimed"], 0);
  j = nlohmann::json::parse(Ok({"--format", "json", "container", "prune", "-f"}));
  EXPECT_TRUE(j["ContainersDeleted"].is_null());
}

// ---------------------------------------------------------------- system

TEST_F(CliTest, SystemDfMatchesWhatPruneReclaims) {
  const std::string used = Import("busybox:latest", "used", {});
  Import("app:1", std::string(5000, 'a'));
  Import("", std::string(3000, 'd'));
  const std::string c = Container("busybox", "web");
  clock_.Advance(absl::Hours(1));

  const auto rows = Lines(Ok({"system", "df"}));
  ASSERT_EQ(rows.size(), 5u) << out_.str();
  EXPECT_EQ(rows[0], "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE");
  EXPECT_THAT(rows[1], ::testing::StartsWith("Images          3         1         "));
  EXPECT_EQ(rows[2], "Containers      1         0         0B        0B");
  EXPECT_EQ(rows[3], "Local Volumes   0         0         0B        0B");
  EXPECT_EQ(rows[4], "Build Cache     0         0         0B        0B");
  std::map<std::string, nlohmann::json> df;
  for (const std::string& line : Lines(Ok({"--format", "json", "system", "df"}))) {
    nlohmann::json j = nlohmann::json::parse(line);
    df[j["Type"]] = j;
  }
  ASSERT_EQ(df.size(), 5u);
  EXPECT_EQ(df["Unreferenced"]["ReclaimableBytes"], 0);  // nothing was left behind
  const std::string reclaimable = df["Images"]["Reclaimable"];  // "X (P%)"
  const std::string size = df["Images"]["Size"];
  ASSERT_NE(reclaimable.find(" ("), std::string::npos);
  const std::string reclaimable_bytes = reclaimable.substr(0, reclaimable.find(" ("));

  // `image prune -a` frees exactly what df calls reclaimable (no blob is shared
  // between the used image and the others)...
  const auto pruned = Lines(Ok({"image", "prune", "-a", "-f"}));
  EXPECT_EQ(pruned.back(), "Total reclaimed space: " + reclaimable_bytes);
  // ...and, with the container gone, `system prune -a` frees the rest: df's SIZE.
  std::map<std::string, nlohmann::json> after;
  for (const std::string& line : Lines(Ok({"--format", "json", "system", "df"}))) {
    nlohmann::json j = nlohmann::json::parse(line);
    after[j["Type"]] = j;
  }
  EXPECT_EQ(after["Images"]["TotalCount"], "1");
  EXPECT_EQ(after["Images"]["Reclaimable"], "0B (0%)");
  const auto sys = Lines(Ok({"system", "prune", "-a", "-f"}));
  ASSERT_GE(sys.size(), 7u);
  EXPECT_EQ(sys[0], "Deleted Containers:");
  EXPECT_EQ(sys[1], c);
  EXPECT_EQ(sys[2], "");
  EXPECT_EQ(sys[3], "Deleted Images:");
  EXPECT_EQ(sys[4], "untagged: busybox:latest");
  EXPECT_EQ(sys[5], "deleted: " + used);
  EXPECT_EQ(sys.back(), "Total reclaimed space: " + after["Images"]["Size"].get<std::string>());
  EXPECT_EQ(Lines(Ok({"system", "df"}))[1], "Images          0         0         0B        0B");
  (void)size;
}

TEST_F(CliTest, SystemDfVerbose) {
  const std::string id = Import("busybox:latest", "a");
  const std::string c = Container("busybox", "web");
  clock_.Advance(absl::Hours(1));
  const std::string out = Ok({"system", "df", "-v"});
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 17u) << out;
  EXPECT_EQ(lines[0], "Images space usage:");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "REPOSITORY   TAG       IMAGE ID       CREATED             SIZE      "
                      "SHARED SIZE   UNIQUE SIZE   CONTAINERS");
  EXPECT_THAT(lines[3], ::testing::StartsWith("busybox      latest    " + Short(id) +
                                              "   About an hour ago   "));
  EXPECT_THAT(lines[3], ::testing::EndsWith("   1"));
  EXPECT_EQ(lines[5], "Containers space usage:");
  EXPECT_EQ(lines[7], "CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE                  "
                      "CREATED             STATUS    NAMES");
  EXPECT_THAT(lines[8], ::testing::StartsWith(c.substr(0, 12) + "   busybox   \"\"        0    "
                                              "           0B (virtual "));
  EXPECT_EQ(lines[10], "Local Volumes space usage:");
  EXPECT_EQ(lines[12], "VOLUME NAME   LINKS     SIZE");
  EXPECT_EQ(lines[14], "Build cache usage: 0B");
  EXPECT_EQ(lines[16], "CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED");
  nlohmann::json j = nlohmann::json::parse(Ok({"--format", "json", "system", "df", "-v"}));
  EXPECT_EQ(j["Images"][0]["Containers"], "1");
  EXPECT_EQ(j["Containers"][0]["Names"], "web");
}

TEST_F(CliTest, SystemPrunePromptAndJson) {
  const std::string kPrompt =
      "WARNING! This will remove:\n"
      "  - all stopped containers\n"
      "  - all networks not used by at least one container\n"
      "  - all dangling images\n"
      "  - unused build cache\n"
      "\n"
      "Are you sure you want to continue? [y/N] ";
  const std::string kPromptAll =
      "WARNING! This will remove:\n"
      "  - all stopped containers\n"
      "  - all networks not used by at least one container\n"
      "  - all images without at least one container associated to them\n"
      "  - all build cache\n"
      "\n"
      "Are you sure you want to continue? [y/N] ";
  Import("busybox:latest", "a");
  Container("busybox");
  EXPECT_EQ(R({"system", "prune"}, "\n"), 0);
  EXPECT_EQ(out_.str(), kPrompt);
  EXPECT_EQ(R({"system", "prune", "-a"}, "nope\n"), 0);
  EXPECT_EQ(out_.str(), kPromptAll);
  EXPECT_EQ(Lines(Ok({"container", "ls", "-a", "-q"})).size(), 1u);
  nlohmann::json j = nlohmann::json::parse(Ok({"--format", "json", "system", "prune", "-f"}));
  EXPECT_EQ(j["ContainersDeleted"].size(), 1u);
  EXPECT_TRUE(j["ImagesDeleted"].is_null());
  EXPECT_EQ(j["SpaceReclaimed"], 0);
  EXPECT_EQ(R({"system", "prune", "-a"}, "y\n"), 0);
  EXPECT_THAT(out_.str(), ::testing::StartsWith(kPromptAll + "Deleted Images:\nuntagged: busybox:latest\n"));
  EXPECT_TRUE(Listed().empty());
}

TEST_F(CliTest, JsonOutputsParse) {
  const std::string id = Import("busybox:latest", "a");
  Import("", "b");
  Container("busybox");
  const std::vector<std::vector<std::string>> commands = {
      {"image", "ls", "-a"},        {"image", "inspect", "busybox"},
      {"image", "history", id},     {"image", "prune", "--dry-run"},
      {"image", "prune", "--explain"}, {"container", "ls", "-a"},
      {"system", "df"},             {"system", "df", "-v"},
      {"image", "prune", "-f"},     {"image", "rm", "-f", "busybox"},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = {"--format", "json"};
    args.insert(args.end(), c.begin(), c.end());
    const std::string out = Ok(args);
    ASSERT_FALSE(out.empty()) << ::testing::PrintToString(c);
    for (const std::string& line : Lines(c[1] == "inspect" ? std::string() : out)) {
      EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    }
    EXPECT_TRUE(nlohmann::json::accept(c[1] == "inspect" ? out : Lines(out)[0])) << out;
  }
  nlohmann::json report = nlohmann::json::parse(Ok({"--format", "json", "image", "prune", "-f"}));
  EXPECT_TRUE(report["ImagesDeleted"].is_null());
  EXPECT_EQ(report["SpaceReclaimed"], 0);
}

}  // namespace
}  // namespace reclaim
