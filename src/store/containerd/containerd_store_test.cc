// ContainerdStore against a real containerd: the Store conformance suite, and
// interop with records made by `ctr`. One private daemon per test binary
// (spawned like scripts/containerd.sh: its own root/state/socket under /tmp); each test gets
// a fresh namespace, which its fixture empties and deletes at the end.
// Needs root, containerd and ctr.
#include "store/containerd/containerd_store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/media_types.h"
#include "github.com/containerd/containerd/api/services/namespaces/v1/namespace.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/snapshots/v1/snapshots.grpc.pb.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace media_types;  // NOLINT

// Runs `cmd` through the shell; returns its exit code, stdout+stderr in *out.
int Shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  const int rc = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A containerd of our own under `dir`, configured like scripts/containerd.sh
// (specs/containerd.md §6: own root, state, socket and opt dir; CRI and the
// unusable snapshotters disabled). Spawned directly rather than through the
// script so that it dies with the test process (PR_SET_PDEATHSIG) even when a
// test crashes; stopped by its PID.
class PrivateContainerd {
 public:
  PrivateContainerd() = default;
  PrivateContainerd(const PrivateContainerd&) = delete;
  PrivateContainerd& operator=(const PrivateContainerd&) = delete;
  ~PrivateContainerd() { Stop(); }

  absl::Status Start(const std::string& dir) {
    if (::geteuid() != 0) return absl::FailedPreconditionError("containerd needs root");
    dir_ = dir;
    std::error_code ec;
    for (const char* sub : {"root", "state", "opt"}) std::filesystem::create_directories(dir + "/" + sub, ec);
    const std::string config = dir + "/config.toml";
    std::ofstream(config) << "version = 2\n"
                          << "root = \"" << dir << "/root\"\n"
                          << "state = \"" << dir << "/state\"\n"
                          << "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
                             "\"io.containerd.snapshotter.v1.aufs\", "
                             "\"io.containerd.snapshotter.v1.btrfs\", "
                             "\"io.containerd.snapshotter.v1.zfs\", "
                             "\"io.containerd.snapshotter.v1.devmapper\"]\n"
                          << "[grpc]\n  address = \"" << socket() << "\"\n"
                          << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << dir
                          << "/opt\"\n";
    const std::string log = dir + "/containerd.log";
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return absl::InternalError("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(1);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execlp("containerd", "containerd", "--config", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ContainerdStoreOptions o;
    o.socket = socket();
    o.call_timeout = absl::Seconds(1);
    const absl::Time until = absl::Now() + absl::Seconds(20);
    absl::Status last;
    while (absl::Now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        std::string text;
        (void)Shell("tail -20 " + Quote(log), &text);
        return absl::FailedPreconditionError(
            WIFEXITED(status) && WEXITSTATUS(status) == 127
                ? std::string("containerd is not installed (scripts/setup.sh installs it)")
                : "containerd exited at start; its log:\n" + text);
      }
      auto s = ContainerdStore::Open(o);
      if (s.ok()) return absl::OkStatus();
      last = s.status();
      ::usleep(20000);
    }
    Stop();
    return absl::DeadlineExceededError("containerd did not answer within 20s: " +
                                       std::string(last.message()));
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 250; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      ::usleep(20000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string socket() const { return dir_ + "/containerd.sock"; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

void Purge(ContainerdStore& s, const std::string& ns);

// The daemon shared by the binary's tests.
class Daemon : public ::testing::Environment {
 public:
  static std::string& socket() {
    static std::string s;
    return s;
  }

  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-ctd-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::Status s = daemon_.Start(dir_ + "/ctd");
    ASSERT_TRUE(s.ok()) << s;
    socket() = daemon_.socket();
    // containerd collects 100 ms after it starts; make that collection now,
    // so it cannot fall in the middle of the first test.
    ContainerdStoreOptions o;
    o.socket = socket();
    o.ns = "reclaim-test-start";
    auto store = ContainerdStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->collector().Collect().ok());
    Purge(**store, o.ns);
  }

  void TearDown() override {
    daemon_.Stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
  PrivateContainerd daemon_;
};

std::string FreshNamespace() {
  static std::atomic<int> n{0};
  return "reclaim-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

absl::StatusOr<std::unique_ptr<ContainerdStore>> OpenIn(const std::string& ns) {
  ContainerdStoreOptions o;
  o.socket = Daemon::socket();
  o.ns = ns;
  o.call_timeout = absl::Seconds(20);
  o.snapshot_usage_in_collect = true;  // the tests check removed snapshots' sizes
  return ContainerdStore::Open(o);
}

// Removes everything in `ns` through the store, then snapshots and the
// namespace itself through containerd's API; a leftover fails the test. Ends
// on a synchronous collection, so no collection is pending when the next test
// starts: containerd collects on its own shortly after any deletion (in any
// namespace), which would take the next test's unleased blobs with it.
void Purge(ContainerdStore& s, const std::string& ns) {
  if (auto cs = s.containers().ListContainers(); cs.ok()) {
    for (const auto& c : *cs) EXPECT_TRUE(s.containers().DeleteContainer(c.id).ok());
  }
  if (auto is = s.images().ListImages(); is.ok()) {
    for (const auto& i : *is) EXPECT_TRUE(s.images().DeleteImage(i.name).ok());
  }
  if (auto ls = s.leases().ListLeases(); ls.ok()) {
    for (const auto& l : *ls) EXPECT_TRUE(s.leases().DeleteLease(l.id, false).ok());
  }
  EXPECT_TRUE(s.collector().Collect().ok());
  if (auto blobs = s.content().ListContent(); blobs.ok()) {
    for (const auto& b : *blobs)
      EXPECT_TRUE(s.content().DeleteContent(b.digest).ok());  // gc.root ones
  }
  auto channel =
      grpc::CreateChannel("unix://" + Daemon::socket(), grpc::InsecureChannelCredentials());
  namespace snapspb = containerd::services::snapshots::v1;
  auto snaps = snapspb::Snapshots::NewStub(channel);
  for (int round = 0; round < 20; ++round) {  // children before parents
    auto snapshots = s.snapshots().ListSnapshots();
    if (!snapshots.ok() || snapshots->empty()) break;
    for (const auto& sn : *snapshots) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("containerd-namespace", ns);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      snapspb::RemoveSnapshotRequest req;
      req.set_snapshotter(sn.snapshotter);
      req.set_key(sn.key);
      google::protobuf::Empty resp;
      (void)snaps->Remove(&ctx, req, &resp);
    }
  }
  EXPECT_TRUE(s.collector().Collect().ok());
  namespace nspb = containerd::services::namespaces::v1;
  auto namespaces = nspb::Namespaces::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  nspb::DeleteNamespaceRequest req;
  req.set_name(ns);
  google::protobuf::Empty resp;
  grpc::Status st = namespaces->Delete(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << "namespace " << ns << " not empty at the end: " << st.error_message();
}

class ContainerdFixture : public StoreFixture {
 public:
  ContainerdFixture() : ns_(FreshNamespace()) {
    auto s = OpenIn(ns_);
    EXPECT_TRUE(s.ok()) << s.status();
    if (s.ok()) store_ = std::move(*s);
  }
  ~ContainerdFixture() override {
    if (store_ != nullptr) Purge(*store_, ns_);
  }
  Store& store() override { return *store_; }
  ContainerdStore& ctd() { return *store_; }
  const std::string& ns() const { return ns_; }

 private:
  std::string ns_;
  std::unique_ptr<ContainerdStore> store_;
};

RECLAIM_INSTANTIATE_STORE_CONFORMANCE(
    Containerd, (StoreFactory{"containerd", [] { return std::make_unique<ContainerdFixture>(); }}));

// ---------------------------------------------------------------- own tests

class ContainerdStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-ctd-work-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    work_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }

  ContainerdStore& store() { return fixture_.ctd(); }

  // `ctr -n <test namespace> ARGS`; fails the test when ctr does.
  std::string Ctr(const std::string& args) {
    std::string out;
    const int rc = Shell("ctr -a " + Quote(Daemon::socket()) + " -n " + Quote(fixture_.ns()) + " " +
                           args,
                       &out);
    EXPECT_EQ(rc, 0) << "ctr " << args << ":\n" << out;
    return out;
  }

  struct Archive {
    std::string path;
    Descriptor manifest, config, layer;
    std::string chain_id;  // the one layer's diff ID
  };

  // An OCI image archive of one uncompressed layer holding `file` = `text`,
  // named `name` for `ctr images import`.
  Archive MakeArchive(const std::string& name, const std::string& file, const std::string& text) {
    const std::string dir = work_ + "/" + file;
    std::filesystem::create_directories(dir + "/rootfs");
    std::filesystem::create_directories(dir + "/oci/blobs/sha256");
    std::ofstream(dir + "/rootfs/" + file) << text;
    std::string out;
    EXPECT_EQ(Shell("tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C " +
                      Quote(dir + "/rootfs") + " -cf " + Quote(dir + "/layer.tar") + " .",
                  &out),
              0)
        << out;
    std::ifstream in(dir + "/layer.tar", std::ios::binary);
    const std::string layer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Archive a;
    auto blob = [&](std::string_view media_type, const std::string& bytes) {
      Descriptor d;
      d.media_type = std::string(media_type);
      d.digest = Digest::Sha256Of(bytes);
      d.size = static_cast<int64_t>(bytes.size());
      std::ofstream(dir + "/oci/blobs/sha256/" + std::string(d.digest.hex()), std::ios::binary)
          << bytes;
      return d;
    };
    a.layer = blob(kOciLayer, layer);
    a.chain_id = a.layer.digest.str();
    const nlohmann::json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {a.layer.digest.str()}}}},
        {"config", nlohmann::json::object()}};
    a.config = blob(kOciConfig, config.dump());
    const nlohmann::json manifest = {{"schemaVersion", 2},
                                     {"mediaType", std::string(kOciManifest)},
                                     {"config", DescriptorToJson(a.config)},
                                     {"layers", {DescriptorToJson(a.layer)}}};
    a.manifest = blob(kOciManifest, manifest.dump());
    nlohmann::json entry = DescriptorToJson(a.manifest);
    entry["annotations"] = {{"io.containerd.image.name", name}};
    std::ofstream(dir + "/oci/index.json") << nlohmann::json{{"schemaVersion", 2},
                                                             {"manifests", {entry}}}
                                                  .dump();
    std::ofstream(dir + "/oci/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
    a.path = dir + "/image.tar";
    EXPECT_EQ(Shell("tar -C " + Quote(dir + "/oci") + " -cf " + Quote(a.path) + " .", &out), 0)
        << out;
    return a;
  }

  std::string work_;
  ContainerdFixture fixture_;
};

std::set<std::string> Digests(const std::vector<ContentInfo>& v) {
  std::set<std::string> out;
  for (const auto& c : v) out.insert(c.digest.str());
  return out;
}

TEST_F(ContainerdStoreTest, SeesImagesAndContainersMadeByCtrAndCollectsTheirSnapshots) {
  const Archive a = MakeArchive("docker.io/library/imp-a:1", "a", "alpha");
  const Archive b = MakeArchive("docker.io/library/imp-b:1", "b", "beta");
  Ctr("images import " + Quote(a.path));
  Ctr("images import " + Quote(b.path));
  Ctr("containers create docker.io/library/imp-b:1 c1");
  // ctr leaves garbage (the archive's index.json blob) that containerd
  // collects on its own at some point: settle it before measuring.
  ASSERT_TRUE(store().collector().Collect().ok());

  auto images = store().images().ListImages();
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0].name, "docker.io/library/imp-a:1");
  EXPECT_EQ((*images)[0].target.digest, a.manifest.digest);
  EXPECT_EQ((*images)[0].target.size, a.manifest.size);
  EXPECT_EQ((*images)[1].target.digest, b.manifest.digest);

  auto containers = store().containers().ListContainers();
  ASSERT_TRUE(containers.ok()) << containers.status();
  ASSERT_EQ(containers->size(), 1u);
  const ContainerRecord& c = (*containers)[0];
  EXPECT_EQ(c.id, "c1");
  EXPECT_EQ(c.name, "c1");
  EXPECT_EQ(c.image, "docker.io/library/imp-b:1");
  EXPECT_FALSE(c.image_id.valid());  // ctr records no resolved ID
  EXPECT_EQ(c.snapshotter, "overlayfs");
  EXPECT_EQ(c.snapshot_key, "c1");
  EXPECT_NE(c.created_at, absl::InfinitePast());

  auto snaps = store().snapshots().ListSnapshots();
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  ASSERT_EQ(snaps->size(), 3u);  // a's layer, b's layer, c1 on b's layer
  std::map<std::string, SnapshotUsage> by_key;
  for (const auto& s : *snaps) by_key[s.key] = s;
  ASSERT_TRUE(by_key.contains(a.chain_id));
  ASSERT_TRUE(by_key.contains("c1"));
  EXPECT_EQ(by_key["c1"].parent, b.chain_id);
  EXPECT_EQ(by_key[a.chain_id].parent, "");
  EXPECT_GT(by_key[a.chain_id].size, 0);
  EXPECT_EQ(by_key[a.chain_id].snapshotter, "overlayfs");

  // The unpacker's gc.ref labels are what the collection follows.
  auto config = store().content().Info(a.config.digest);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->labels.at("containerd.io/gc.ref.snapshot.overlayfs"), a.chain_id);

  // Both images go; a's snapshot goes with its blobs, c1 keeps b's snapshot
  // chain (a container protects snapshots, never an image's blobs).
  auto batch = store().collector().DeleteImagesAndCollect(
      {"docker.io/library/imp-a:1", "docker.io/library/imp-b:1"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  for (const auto& d : batch->deletions) EXPECT_TRUE(d.status.ok()) << d.name << ": " << d.status;
  EXPECT_EQ(Digests(batch->collected.removed_content),
            (std::set<std::string>{a.manifest.digest.str(), a.config.digest.str(),
                                   a.layer.digest.str(), b.manifest.digest.str(),
                                   b.config.digest.str(), b.layer.digest.str()}));
  ASSERT_EQ(batch->collected.removed_snapshots.size(), 1u);
  EXPECT_EQ(batch->collected.removed_snapshots[0].key, a.chain_id);
  EXPECT_EQ(batch->collected.removed_snapshots[0].size, by_key[a.chain_id].size);
  EXPECT_GT(batch->collected.duration, absl::ZeroDuration());
  auto left = store().snapshots().ListSnapshots();
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 2u);
  EXPECT_TRUE(store().images().ListImages()->empty());
  EXPECT_EQ(store().containers().ListContainers()->size(), 1u);
}

TEST_F(ContainerdStoreTest, CtrSeesWhatTheStoreWrites) {
  const std::string bytes = "written by reclaim";
  auto w = store().content().Writer(WriterOptions{"ref-1"});
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Write(bytes).ok());
  ASSERT_TRUE((*w)->Commit(static_cast<int64_t>(bytes.size()), Digest::Sha256Of(bytes),
                           {{"containerd.io/gc.root", "x"}})
                  .ok());
  const std::string out = Ctr("content get " + Digest::Sha256Of(bytes).str());
  EXPECT_EQ(out, bytes);
  const std::string ls = Ctr("content ls -q");
  EXPECT_NE(ls.find(Digest::Sha256Of(bytes).str()), std::string::npos) << ls;

  ContainerRecord c;
  c.id = std::string(64, 'b');
  c.name = "web";
  c.image = "docker.io/library/busybox:latest";
  c.image_id = Digest::Sha256Of("m");
  ASSERT_TRUE(store().containers().CreateContainer(c).ok());
  const std::string info = Ctr("containers info " + c.id);
  EXPECT_NE(info.find("\"Image\": \"docker.io/library/busybox:latest\""), std::string::npos) << info;
  EXPECT_NE(info.find("io.reclaim.image-id"), std::string::npos) << info;
}

TEST_F(ContainerdStoreTest, LargeBlobsStreamInChunksBothWays) {
  std::string bytes(3 * (1 << 20) + 12345, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) >> 3);
  const Digest d = Digest::Sha256Of(bytes);
  ASSERT_TRUE(store().leases().CreateLease("big", {}).ok());
  WriterOptions o;
  o.ref = "big-1";
  o.lease_id = "big";
  o.expected_size = static_cast<int64_t>(bytes.size());
  o.expected = d;
  auto w = store().content().Writer(o);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Write(bytes).ok());
  EXPECT_EQ((*w)->offset(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ((*w)->Write("x").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*w)->Commit(static_cast<int64_t>(bytes.size()), d, {}).ok());
  auto read = store().content().ReadBlob(d, 1 << 30);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(*read == bytes);
  auto r = store().content().OpenBlob(d);
  ASSERT_TRUE(r.ok());
  auto head = (*r)->Read(10);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, bytes.substr(0, 10));
  auto rest = (*r)->Read(bytes.size());
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_TRUE(*rest == bytes.substr(10));
  EXPECT_TRUE((*r)->Read(1)->empty());
}

TEST_F(ContainerdStoreTest, CommitOfPresentBlobMergesLabelsAndJoinsTheLease) {
  const std::string bytes = "present already";
  const Digest d = Digest::Sha256Of(bytes);
  ASSERT_TRUE(store().leases().CreateLease("first", {}).ok());
  ASSERT_TRUE(store().leases().CreateLease("second", {}).ok());
  for (const std::string lease : {"first", "second"}) {
    WriterOptions o;
    o.ref = "w-" + lease;
    o.lease_id = lease;
    auto w = store().content().Writer(o);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s =
        (*w)->Commit(static_cast<int64_t>(bytes.size()), d, {{"from-" + lease, "1"}});
    if (lease == "first") {
      ASSERT_TRUE(s.ok()) << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
    }
  }
  EXPECT_EQ(store().content().Info(d)->labels, (Labels{{"from-first", "1"}, {"from-second", "1"}}));
  auto leases = store().leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 2u);
  for (const auto& l : *leases) {
    EXPECT_EQ(l.resources, (std::vector<LeaseResource>{{LeaseResourceType::kContent, d.str(), ""}}))
        << l.id;
  }
  // Dropping the first lease keeps the blob: the second still holds it.
  ASSERT_TRUE(store().leases().DeleteLease("first", true).ok());
  EXPECT_TRUE(store().content().Info(d).ok());
  ASSERT_TRUE(store().leases().DeleteLease("second", true).ok());
  EXPECT_EQ(store().content().Info(d).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ContainerdStoreTest, NamespacesIsolate) {
  Descriptor d;
  const std::string bytes = "ns";
  auto w = store().content().Writer(WriterOptions{"ns-1"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(bytes).ok());
  ASSERT_TRUE((*w)->Commit(2, Digest::Sha256Of(bytes), {}).ok());
  d.media_type = std::string(kOciLayer);
  d.digest = Digest::Sha256Of(bytes);
  d.size = 2;
  ImageRecord r;
  r.name = "docker.io/library/ns:1";
  r.target = d;
  ASSERT_TRUE(store().images().CreateImage(r).ok());

  ContainerdFixture other;
  EXPECT_TRUE(other.ctd().ListImages()->empty());
  EXPECT_EQ(other.ctd().Info(d.digest).status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(store().Describe().find(fixture_.ns()), std::string::npos);
  EXPECT_NE(store().Describe().find(Daemon::socket()), std::string::npos);
}

// An Images.List answer too large for one message is listed in parts by target
// digest: here the client's receive limit is made tiny so that even 60 records
// overflow it, down to several levels of split.
TEST_F(ContainerdStoreTest, ImageListTooLargeForOneMessageIsSplitByDigest) {
  std::set<std::string> want;
  for (int i = 0; i < 60; ++i) {
    ImageRecord r;
    r.name = "docker.io/library/many:" + std::to_string(i);
    r.target.media_type = std::string(kOciLayer);
    // Three records per target: records of one target land in the same part.
    r.target.digest = Digest::Sha256Of("target " + std::to_string(i / 3));
    r.target.size = 1;
    r.labels["pad"] = std::string(100, 'x');
    ASSERT_TRUE(store().images().CreateImage(r).ok());
    want.insert(r.name);
  }
  ContainerdStoreOptions o;
  o.socket = Daemon::socket();
  o.ns = fixture_.ns();
  o.max_receive_bytes = 1024;  // about four records
  auto small = ContainerdStore::Open(o);
  ASSERT_TRUE(small.ok()) << small.status();
  auto listed = (*small)->images().ListImages();
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> names;
  for (const ImageRecord& r : *listed) names.push_back(r.name);
  EXPECT_EQ(names, std::vector<std::string>(want.begin(), want.end()));  // sorted, no duplicate
  auto whole = store().images().ListImages();  // the default limit: one message
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->size(), listed->size());
  for (size_t i = 0; i < listed->size(); ++i) {
    EXPECT_EQ((*listed)[i].target.digest, (*whole)[i].target.digest) << (*listed)[i].name;
    EXPECT_EQ((*listed)[i].labels, (*whole)[i].labels) << (*listed)[i].name;
  }
}

TEST(ContainerdOpenTest, UnreachableDaemonIsUnavailableNamingTheSocket) {
  char tmpl[] = "/tmp/reclaim-ctd-open-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/file.sock") << "not a socket";
  struct Case {
    std::string socket;
    std::string words;
  };
  const std::vector<Case> cases = {
      {dir + "/missing.sock", "no such socket"},
      {"unix://" + dir + "/missing.sock", "no such socket"},
      {dir + "/file.sock", "not a socket"},
  };
  for (const Case& c : cases) {
    ContainerdStoreOptions o;
    o.socket = c.socket;
    auto s = ContainerdStore::Open(o);
    ASSERT_FALSE(s.ok()) << c.socket;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
    const std::string msg(s.status().message());
    EXPECT_NE(msg.find("containerd is not reachable at " + dir), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.words), std::string::npos) << msg;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(ContainerdOpenTest, TtrpcSocketTimesOutInsteadOfHanging) {
  ContainerdStoreOptions o;
  o.socket = Daemon::socket() + ".ttrpc";
  o.call_timeout = absl::Seconds(1);
  const absl::Time start = absl::Now();
  auto s = ContainerdStore::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const std::string msg(s.status().message());
  EXPECT_NE(msg.find(o.socket), std::string::npos) << s.status();
}

TEST(ContainerdOpenTest, DaemonGoneAfterOpenIsUnavailableThenBack) {
  // A second private daemon, stopped under a live store.
  char tmpl[] = "/tmp/reclaim-ctd-gone-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  PrivateContainerd daemon;
  absl::Status started = daemon.Start(dir + "/ctd");
  ASSERT_TRUE(started.ok()) << started;
  ContainerdStoreOptions o;
  o.socket = daemon.socket();
  auto s = ContainerdStore::Open(o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE((*s)->server_version().empty());
  daemon.Stop();
  auto list = (*s)->images().ListImages();
  EXPECT_EQ(list.status().code(), absl::StatusCode::kUnavailable) << list.status();
  EXPECT_NE(std::string(list.status().message()).find(o.socket), std::string::npos)
      << list.status();
  // Back again: the same store reconnects within seconds.
  started = daemon.Start(dir + "/ctd");
  ASSERT_TRUE(started.ok()) << started;
  absl::Status again = absl::UnknownError("not tried");
  for (const absl::Time until = absl::Now() + absl::Seconds(5); absl::Now() < until && !again.ok();) {
    again = (*s)->images().ListImages().status();
    if (!again.ok()) ::usleep(50000);
  }
  EXPECT_TRUE(again.ok()) << again;
  daemon.Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace reclaim

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new reclaim::Daemon);
  return RUN_ALL_TESTS();
}
