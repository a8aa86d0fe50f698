// File: api/docker_cli_e2e_test.cc
//
// End to end: the real `docker` CLI (DOCKER_HOST=unix://<temp socket>) against
// an ApiServer with the ServiceBackend on an embedded store in a temporary
// root. Fails (never skips) when no `docker` binary is on the PATH: the CLI is
// a required test dependency.
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/docker_api.h"
#include "api/service_backend.h"
#include "gtest/gtest.h"
#include "imageio/save.h"
#include "service/testing/store_fixture.h"

namespace reclaim {
namespace {

using service_testing::GraphBuilder;
using service_testing::ImageSpec;
using service_testing::TempLocalStore;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool HaveDocker() { return ::system("command -v docker >/dev/null 2>&1") == 0; }

class DockerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveDocker())
        << "no `docker` CLI on the PATH: this end-to-end test needs the docker client "
           "installed (it is a required test dependency, not optional)";
    char tmpl[] = "/tmp/reclaim-e2e-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/config");
    images_ = std::make_unique<ImageService>(root_.store(),
                                             ImageServiceOptions{.events = &events_});
    containers_ = std::make_unique<ContainerService>(*images_);
    backend_ = std::make_unique<ServiceBackend>(*images_, *containers_,
                                                ServiceBackendOptions{.events = &events_});
    HttpServerOptions http;
    http.listen = {"unix://" + dir_ + "/docker.sock"};
    http.access_log = false;
    absl::StatusOr<std::unique_ptr<ApiServer>> s = ApiServer::Start(*backend_, http);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(5));
    server_.reset();
    backend_.reset();
    containers_.reset();
    images_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  CliRun Docker(const std::string& args) {
    std::string err_path = dir_ + "/stderr";
    std::string cmd = "DOCKER_HOST=unix://" + dir_ + "/docker.sock DOCKER_CONFIG=" + dir_ +
                      "/config docker " + args + " </dev/null 2>" + err_path;
    CliRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = ReadFile(err_path);
    return r;
  }

  // An archive `docker save` would make, of `names`, from a separate store.
  std::string MakeArchive(const std::vector<std::string>& names, const std::string& file) {
    TempLocalStore source;
    GraphBuilder b(source.store());
    ImageSpec spec;
    spec.layers = {"base-" + file, "top-" + file};
    Descriptor m = b.Image(file, spec);
    std::vector<std::string> stored;
    for (const std::string& n : names) stored.push_back(b.Name(n, m));
    std::string path = dir_ + "/" + file;
    std::string bytes;
    StringSink sink(&bytes);
    absl::StatusOr<SaveResult> saved = SaveImages(source.store(), stored, sink);
    EXPECT_TRUE(saved.ok()) << saved.status();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::string dir_;
  TempLocalStore root_;
  EventBus events_{RealClock()};
  std::unique_ptr<ImageService> images_;
  std::unique_ptr<ContainerService> containers_;
  std::unique_ptr<ServiceBackend> backend_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(DockerCliTest, Version) {
  CliRun r = Docker("version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Server: reclaim"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.50 (minimum version 1.24)"), std::string::npos) << r.out;
  EXPECT_EQ(Docker("info --format '{{.Swarm.LocalNodeState}}'").out, "inactive\n");
}

TEST_F(DockerCliTest, LoadListInspectPrune) {
  std::string tar = MakeArchive({"e2e/app:1"}, "app.tar");
  CliRun load = Docker("load -i " + tar);
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded image: e2e/app:1\n");

  CliRun images = Docker("images --format '{{.Repository}}:{{.Tag}}'");
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_EQ(images.out, "e2e/app:1\n");

  CliRun id = Docker("image inspect -f '{{.Id}}' e2e/app:1");
  ASSERT_EQ(id.exit_code, 0) << id.err;
  ASSERT_EQ(id.out.rfind("sha256:", 0), 0u) << id.out;

  // Dangling-only prune keeps the tagged image.
  CliRun dangling = Docker("image prune -f");
  ASSERT_EQ(dangling.exit_code, 0) << dangling.err;
  EXPECT_EQ(dangling.out, "Total reclaimed space: 0B\n");

  CliRun prune = Docker("image prune -a -f");
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  std::string want_head = "Deleted Images:\nuntagged: e2e/app:1\ndeleted: " +
                          id.out.substr(0, id.out.size() - 1) + "\n";
  EXPECT_EQ(prune.out.substr(0, want_head.size()), want_head) << prune.out;
  EXPECT_NE(prune.out.find("\n\nTotal reclaimed space: "), std::string::npos) << prune.out;
  EXPECT_EQ(prune.out.find("Total reclaimed space: 0B"), std::string::npos) << prune.out;

  EXPECT_EQ(Docker("images -q").out, "");
}

TEST_F(DockerCliTest, TagRmiSaveAndErrors) {
  std::string tar = MakeArchive({"e2e/app:1"}, "app.tar");
  ASSERT_EQ(Docker("load -i " + tar).exit_code, 0);
  CliRun tag = Docker("tag e2e/app:1 e2e/copy:2");
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  CliRun rmi = Docker("rmi e2e/copy:2");
  ASSERT_EQ(rmi.exit_code, 0) << rmi.err;
  EXPECT_EQ(rmi.out, "Untagged: e2e/copy:2\n");

  CliRun missing = Docker("rmi nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error response from daemon: No such image: nope:latest\n");
  CliRun forced = Docker("rmi -f nope");
  EXPECT_EQ(forced.exit_code, 0);  // 404 is NotFound, ignored with -f

  std::string out = dir_ + "/saved.tar";
  CliRun save = Docker("save e2e/app:1 -o " + out);
  ASSERT_EQ(save.exit_code, 0) << save.err;
  EXPECT_GT(std::filesystem::file_size(out), 1024u);
  CliRun save_missing = Docker("save nope -o " + dir_ + "/nope.tar");
  EXPECT_EQ(save_missing.exit_code, 1);
  EXPECT_EQ(save_missing.err, "Error response from daemon: No such image: nope:latest\n");

  // The saved archive loads back after the image is gone.
  ASSERT_EQ(Docker("rmi e2e/app:1").exit_code, 0);
  CliRun reload = Docker("load -i " + out);
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(reload.out, "Loaded image: e2e/app:1\n");

  CliRun history = Docker("history -q e2e/app:1");
  EXPECT_EQ(history.exit_code, 0) << history.err;
}

TEST_F(DockerCliTest, ContainersAreRecordedNotRun) {
  std::string tar = MakeArchive({"e2e/app:1"}, "app.tar");
  ASSERT_EQ(Docker("load -i " + tar).exit_code, 0);
  CliRun create = Docker("create --name web e2e/app:1 echo hi");
  ASSERT_EQ(create.exit_code, 0) << create.err;
  ASSERT_EQ(create.out.size(), 65u) << create.out;

  EXPECT_EQ(Docker("ps -q").out, "");
  CliRun ps = Docker("ps -a --format '{{.Names}} {{.Image}} {{.State}}'");
  EXPECT_EQ(ps.out, "web e2e/app:1 created\n") << ps.err;

  CliRun start = Docker("start web");
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_NE(start.err.find("reclaim records containers but does not run them"), std::string::npos)
      << start.err;

  CliRun rmi = Docker("rmi e2e/app:1");
  EXPECT_EQ(rmi.exit_code, 1);
  EXPECT_NE(rmi.err.find("container"), std::string::npos) << rmi.err;

  CliRun df = Docker("system df");
  EXPECT_EQ(df.exit_code, 0) << df.err;
  EXPECT_NE(df.out.find("Images          1         1"), std::string::npos) << df.out;

  CliRun rm = Docker("rm web");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "web\n");

  CliRun missing = Docker("create e2e/none:1");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("Unable to find image 'e2e/none:1' locally"), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("cannot pull images yet"), std::string::npos) << missing.err;
}

TEST_F(DockerCliTest, SystemPrune) {
  CliRun r = Docker("system prune -f");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Total reclaimed space: 0B\n");
}

// Unix time as the docker CLI sends `--since` / `--until`: seconds.nanoseconds.
std::string UnixText(absl::Time t) {
  const int64_t ns = absl::ToUnixNanos(t);
  char buf[64];
  ::snprintf(buf, sizeof(buf), "%lld.%09lld", static_cast<long long>(ns / 1000000000),
             static_cast<long long>(ns % 1000000000));
  return buf;
}

TEST_F(DockerCliTest, EventsAroundAPrune) {
  const absl::Time start = absl::Now() - absl::Milliseconds(1);
  std::string tar = MakeArchive({"e2e/app:1"}, "app.tar");
  ASSERT_EQ(Docker("load -i " + tar).exit_code, 0);
  ASSERT_EQ(Docker("tag e2e/app:1 e2e/copy:2").exit_code, 0);
  const std::string id = Docker("image inspect -f '{{.Id}}' e2e/app:1").out;
  ASSERT_EQ(id.rfind("sha256:", 0), 0u) << id;
  const std::string image_id = id.substr(0, id.size() - 1);
  CliRun prune = Docker("image prune -a -f");
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  const absl::Time end = absl::Now() + absl::Milliseconds(1);
  const std::string window = "--since " + UnixText(start) + " --until " + UnixText(end);

  CliRun events = Docker("events " + window +
                         " --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  const std::string want = "image load " + image_id + " e2e/app:1\n" +       //
                           "image tag " + image_id + " e2e/copy:2\n" +       //
                           "image untag " + image_id + " e2e/app:1\n" +      //
                           "image untag " + image_id + " e2e/copy:2\n" +     //
                           "image delete " + image_id + " " + image_id + "\n" +  //
                           "image prune  <no value>\n";
  EXPECT_EQ(events.out, want);

  // The default line: `<time> image prune  (reclaimed=<bytes>)`, bytes as the API's
  // SpaceReclaimed; filters narrow it to that one event.
  CliRun line = Docker("events " + window + " --filter type=image --filter event=prune");
  ASSERT_EQ(line.exit_code, 0) << line.err;
  EXPECT_NE(line.out.find(" image prune  (reclaimed="), std::string::npos) << line.out;
  EXPECT_EQ(std::count(line.out.begin(), line.out.end(), '\n'), 1) << line.out;
  EXPECT_EQ(line.out.find("(reclaimed=0)"), std::string::npos) << line.out;

  CliRun bad = Docker("events " + window + " --filter colour=red");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("invalid filter 'colour'"), std::string::npos) << bad.err;
  CliRun backwards = Docker("events --since " + UnixText(end) + " --until " + UnixText(start));
  EXPECT_NE(backwards.exit_code, 0);
  EXPECT_NE(backwards.err.find("cannot be after `until` time"), std::string::npos)
      << backwards.err;
}

// A live stream carries events as they happen, and ends when the client leaves.
TEST_F(DockerCliTest, LiveEventsEndWhenTheClientLeaves) {
  std::string tar = MakeArchive({"e2e/app:1"}, "app.tar");
  ASSERT_EQ(Docker("load -i " + tar).exit_code, 0);
  const std::string sock = dir_ + "/docker.sock";
  // The shell prints its PID, then becomes the CLI, so the test can stop it.
  std::string cmd = "echo $$; exec env DOCKER_HOST=unix://" + sock + " DOCKER_CONFIG=" + dir_ +
                    "/config timeout 30 docker events --format '{{.Action}} "
                    "{{.Actor.Attributes.name}}' </dev/null 2>/dev/null";
  FILE* live = ::popen(cmd.c_str(), "r");
  ASSERT_NE(live, nullptr);
  char pid_line[32] = {0};
  ASSERT_NE(::fgets(pid_line, sizeof(pid_line), live), nullptr);
  const pid_t pid = static_cast<pid_t>(std::atoll(pid_line));
  ASSERT_GT(pid, 0);
  // Tag until the stream shows it (the CLI may still be connecting).
  std::string first;
  std::atomic<bool> seen{false};
  std::thread tagger([&] {
    for (int i = 0; i < 40 && !seen.load(); ++i) {
      Docker("tag e2e/app:1 e2e/live:" + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  char buf[256];
  if (::fgets(buf, sizeof(buf), live) != nullptr) first = buf;
  seen = true;
  tagger.join();
  EXPECT_EQ(first.rfind("tag e2e/live:", 0), 0u) << first;
  ::kill(pid, SIGTERM);  // `timeout` passes it on to the CLI
  ::pclose(live);
  // The server noticed the client went: no connection is left.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    closed = server_->http().connection_count() == 0;
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace reclaim
