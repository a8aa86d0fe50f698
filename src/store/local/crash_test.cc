// Crash safety of the embedded store: a child process loads images and runs
// collections in a loop and is killed with SIGKILL at many points. After each
// kill the store must reopen, every image the child reported as created (and not
// being deleted) must be intact, and fsck must find no broken invariant; the
// leftovers of the interrupted work must be collectable.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "core/descriptor.h"
#include "core/media_types.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "store/local/local_store.h"

namespace reclaim {
namespace {

using namespace media_types;  // NOLINT

Descriptor PutBlob(Store& s, std::string_view mt, const std::string& bytes, const Labels& labels,
                   const std::string& lease) {
  Descriptor d{std::string(mt), Digest::Sha256Of(bytes), static_cast<int64_t>(bytes.size())};
  WriterOptions o;
  o.ref = d.digest.str();
  o.lease_id = lease;
  auto w = s.content().Writer(o);
  if (!w.ok()) ::_exit(3);
  for (size_t off = 0; off < bytes.size(); off += 4096) {
    if (!(*w)->Write(std::string_view(bytes).substr(off, 4096)).ok()) ::_exit(4);
  }
  absl::Status st = (*w)->Commit(d.size, d.digest, labels);
  if (!st.ok() && !absl::IsAlreadyExists(st)) ::_exit(5);
  return d;
}

void Say(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) ::_exit(6);
}

// The child: load images forever, deleting and collecting now and then.
[[noreturn]] void Loader(const std::string& root, int round, int fd) {
  auto opened = LocalStore::Open(LocalStoreOptions{root});
  if (!opened.ok()) ::_exit(2);
  Store& s = **opened;
  std::mt19937 rng(round);
  for (int k = 0;; ++k) {
    const std::string name = "docker.io/library/img:" + std::to_string(round) + "-" +
                             std::to_string(k);
    const std::string lease = "load-" + std::to_string(round) + "-" + std::to_string(k);
    if (!s.leases().CreateLease(lease, {}).ok()) ::_exit(7);
    std::string layer(1024 + rng() % 65536, '\0');
    for (auto& c : layer) c = static_cast<char>(rng());
    Descriptor l = PutBlob(s, kOciLayer, layer, {}, lease);
    Descriptor c = PutBlob(s, kOciConfig, "{\"n\":\"" + name + "\"}", {}, lease);
    nlohmann::json m = {{"schemaVersion", 2},
                        {"mediaType", std::string(kOciManifest)},
                        {"config", DescriptorToJson(c)},
                        {"layers", {DescriptorToJson(l)}}};
    Descriptor md = PutBlob(s, kOciManifest, m.dump(),
                            {{"containerd.io/gc.ref.content.config", c.digest.str()},
                             {"containerd.io/gc.ref.content.l.0", l.digest.str()}},
                            lease);
    if (!s.images().CreateImage(ImageRecord{name, md}).ok()) ::_exit(8);
    Say(fd, "C " + name);
    if (!s.leases().DeleteLease(lease, false).ok()) ::_exit(9);
    if (k % 4 == 3) {
      const std::string victim = "docker.io/library/img:" + std::to_string(round) + "-" +
                                 std::to_string(k - 2);
      Say(fd, "P " + victim);
      if (!s.collector().DeleteImagesAndCollect({victim}).ok()) ::_exit(10);
      Say(fd, "D " + victim);
    }
  }
}

TEST(LocalStoreCrashTest, KillNineAtManyPointsLosesNothingCommitted) {
  char tmpl[] = "/tmp/reclaim-crash-test-XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  std::set<std::string> must_exist;
  std::mt19937 rng(42);
  const int rounds = 16;
  int images_seen = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      Loader(root, round, fds[1]);
    }
    ::close(fds[1]);
    ::usleep(20000 + rng() % 250000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "loader exited early with " << WEXITSTATUS(status);
    std::string log;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) log.append(buf, n);
    ::close(fds[0]);
    std::istringstream lines(log);
    std::string op, name;
    while (lines >> op >> name) {
      if (op == "C") must_exist.insert(name), ++images_seen;
      if (op == "P" || op == "D") must_exist.erase(name);
    }

    auto s = LocalStore::Open(LocalStoreOptions{root});
    ASSERT_TRUE(s.ok()) << s.status();
    for (const std::string& n : must_exist) {
      auto img = (*s)->images().GetImage(n);
      ASSERT_TRUE(img.ok()) << "round " << round << ": lost " << n << ": " << img.status();
      auto manifest = (*s)->content().ReadBlob(img->target.digest, 1 << 20);
      ASSERT_TRUE(manifest.ok()) << n << ": " << manifest.status();
      auto kids = Children(img->target, *manifest);
      ASSERT_TRUE(kids.ok());
      for (const Descriptor& kid : *kids) {
        auto bytes = (*s)->content().ReadBlob(kid.digest, 1 << 20);
        ASSERT_TRUE(bytes.ok()) << n << " lost " << kid.digest.str();
        EXPECT_EQ(Digest::Sha256Of(*bytes), kid.digest);
      }
    }
    auto report = (*s)->Fsck(false);
    ASSERT_TRUE(report.ok());
    for (const auto& p : report->problems) ADD_FAILURE() << "round " << round << ": " << p.what;
  }
  // Everything the kills left behind is collectable.
  {
    auto s = LocalStore::Open(LocalStoreOptions{root});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->collector().Collect().ok());
    auto report = (*s)->Fsck(false);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->clean());
    EXPECT_TRUE(report->garbage.empty()) << report->garbage.front().what;
  }
  EXPECT_GT(images_seen, rounds);  // the loader got real work done between kills
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

}  // namespace
}  // namespace reclaim
