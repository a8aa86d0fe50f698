// File: api/docker_cli_e2e_test.cc
//
// End to end: the real `docker` CLI (DOCKER_HOST=unix://<temp socket>) against
// an ApiServer with the ServiceBackend on an embedded store in a temporary
// root. Fails (never skips) when no `docker` binary is on the PATH: the CLI is
// a required test dependency.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
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
    images_ = std::make_unique<ImageService>(root_.store());
    containers_ = std::make_unique<ContainerService>(*images_);
    backend_ = std::make_unique<ServiceBackend>(*images_, *containers_);
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

}  // namespace
}  // namespace reclaim
