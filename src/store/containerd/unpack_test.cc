// ContainerdStore::Unpack / UnpackAll against a real containerd: a private
// daemon per test binary, started and stopped (by its PID) with
// scripts/containerd.sh, one fresh namespace per test. Images are written
// through the store (blobs under a lease, then the record), or imported by
// `ctr` for the comparisons with containerd's own unpack. Needs root,
// containerd, ctr, runc and Debian's busybox-static (/bin/busybox).
// The pure helpers (chain IDs, keys, platform ranks, ChainLocks) are tested
// first, without the daemon.
#include "store/containerd/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/media_types.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/clock.h"
#include "store/containerd/containerd_store.h"

namespace reclaim {
namespace {

using namespace media_types;  // NOLINT

// ---------------------------------------------------------------- pure parts

TEST(ChainIdsTest, FirstIsTheDiffIdThenHashOfParentSpaceDiffId) {
  const Digest a = Digest::Sha256Of("a"), b = Digest::Sha256Of("b"), c = Digest::Sha256Of("c");
  const std::string ab = Digest::Sha256Of(a.str() + " " + b.str()).str();
  struct Case {
    std::vector<Digest> diff_ids;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {{}, {}},
      {{a}, {a.str()}},
      {{a, b}, {a.str(), ab}},
      {{a, b, c}, {a.str(), ab, Digest::Sha256Of(ab + " " + c.str()).str()}},
      // identity.ChainID of [sha256:aaa…, sha256:bbb…], computed independently.
      {{*Digest::Parse("sha256:" + std::string(64, 'a')),
        *Digest::Parse("sha256:" + std::string(64, 'b'))},
       {"sha256:" + std::string(64, 'a'),
        "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(ChainIds(cases[i].diff_ids), cases[i].want) << "case " << i;
  }
}

TEST(ExtractionKeyTest, ContainerdsUnpackKeyFormat) {
  const std::string chain = "sha256:" + std::string(64, 'c');
  struct Case {
    absl::Time now;
    std::string nanos;
  };
  const std::vector<Case> cases = {
      {absl::FromUnixNanos(1700000000123456789), "123456789"},
      {absl::FromUnixSeconds(1700000000), "0"},
      {absl::FromUnixNanos(5), "5"},
  };
  for (const Case& c : cases) {
    const std::string key = ExtractionKey(c.now, chain);
    const std::string head = "extract-" + c.nanos + "-";
    ASSERT_EQ(key.rfind(head, 0), 0u) << key;
    // 3 random bytes as 4 base64url characters, a space, the chain ID.
    ASSERT_EQ(key.size(), head.size() + 4 + 1 + chain.size()) << key;
    EXPECT_EQ(key.substr(head.size() + 4), " " + chain) << key;
    for (char ch : key.substr(head.size(), 4)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << key;
    }
  }
  EXPECT_NE(ExtractionKey(cases[0].now, chain), ExtractionKey(cases[0].now, chain));  // random part
}

Platform P(std::string os, std::string arch, std::string variant = "") {
  Platform p;
  p.os = std::move(os);
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

TEST(PlatformRankTest, OrderedMatchOnOsArchitectureVariant) {
  const std::vector<Platform> amd64 = {P("linux", "amd64"), P("linux", "386")};
  const std::function<Platform(Platform)> lower = [](Platform p) {
    for (auto* s : {&p.os, &p.architecture}) {
      for (char& ch : *s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    if (p.architecture == "x86_64") p.architecture = "amd64";
    return p;
  };
  struct Case {
    Platform p;
    bool normalize;
    int want;
  };
  Platform with_version = P("linux", "amd64");
  with_version.os_version = "5.10";
  const std::vector<Case> cases = {
      {P("linux", "amd64"), false, 0},
      {P("linux", "386"), false, 1},
      {P("linux", "arm64"), false, -1},
      {P("windows", "amd64"), false, -1},
      {P("linux", "amd64", "v2"), false, -1},  // platforms.Only(amd64) wants no variant
      {with_version, false, 0},                // os.version is not compared
      {P("Linux", "x86_64"), false, -1},
      {P("Linux", "x86_64"), true, 0},  // after the caller's normalisation
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(PlatformRank(cases[i].p, amd64,
                           cases[i].normalize ? lower : std::function<Platform(Platform)>()),
              cases[i].want)
        << "case " << i;
  }
#if !defined(__aarch64__)
  EXPECT_EQ(HostUnpackPlatforms(), amd64);
#endif
}

TEST(ChainLocksTest, SecondHolderWaitsAndIsToldItWaited) {
  ChainLocks locks;
  std::atomic<bool> second_in{false};
  bool second_waited = false;
  std::thread t;
  {
    ChainLocks::Held first = locks.Lock("k");
    EXPECT_FALSE(first.waited());
    ChainLocks::Held other = locks.Lock("other");  // other keys are independent
    EXPECT_FALSE(other.waited());
    t = std::thread([&] {
      ChainLocks::Held second = locks.Lock("k");
      second_waited = second.waited();
      second_in = true;
    });
    ::usleep(100000);
    EXPECT_FALSE(second_in.load());
  }
  t.join();
  EXPECT_TRUE(second_in.load());
  EXPECT_TRUE(second_waited);
  EXPECT_FALSE(locks.Lock("k").waited());  // forgotten once released
}

// ---------------------------------------------------------------- the daemon

int Shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  for (size_t n; (n = ::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  const int rc = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One private containerd for the binary (scripts/containerd.sh start/stop).
class Daemon : public ::testing::Environment {
 public:
  static std::string& socket() {
    static std::string s;
    return s;
  }
  void SetUp() override {
    char tmpl[] = "/tmp/reclaim-unpack-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string out;
    const int rc = Shell(Quoted(RECLAIM_CONTAINERD_SH) + " start " + Quoted(dir_ + "/ctd"), &out);
    ASSERT_EQ(rc, 0) << "scripts/containerd.sh start failed:\n" << out;
    socket() = dir_ + "/ctd/containerd.sock";
    // containerd collects 100 ms after it starts: let that pass now.
    ::usleep(200000);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    (void)Shell(Quoted(RECLAIM_CONTAINERD_SH) + " stop " + Quoted(dir_ + "/ctd"));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
};

// ---------------------------------------------------------------- images

enum class Compression { kNone, kGzip, kZstd };

struct Entry {
  std::string name;
  std::string content;
  int mode = 0644;
};

// Writes `entries` as a tar (or, with `raw`, the one entry's content alone)
// through `compression`.
std::string Archive(const std::vector<Entry>& entries, Compression compression, bool raw = false) {
  std::string out;
  struct archive* a = archive_write_new();
  if (raw) {
    archive_write_set_format_raw(a);
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(a);
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* data, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const Entry& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    archive_entry_set_mtime(entry, 1700000000, 0);
    EXPECT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
    EXPECT_EQ(archive_write_data(a, e.content.data(), e.content.size()),
              static_cast<la_ssize_t>(e.content.size()));
    archive_entry_free(entry);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK) << archive_error_string(a);
  archive_write_free(a);
  return out;
}

struct Layer {
  std::string bytes;  // as stored (maybe compressed)
  std::string media_type;
  Digest diff_id;  // of the uncompressed tar
};

Layer MakeLayer(const std::vector<Entry>& files, Compression c, std::string media_type = "") {
  const std::string tar = Archive(files, Compression::kNone);
  Layer l;
  l.diff_id = Digest::Sha256Of(tar);
  l.bytes = c == Compression::kNone ? tar : Archive({{"data", tar}}, c, /*raw=*/true);
  if (media_type.empty()) {
    media_type = std::string(c == Compression::kGzip   ? kOciLayerGzip
                             : c == Compression::kZstd ? kOciLayerZstd
                                                       : kOciLayer);
  }
  l.media_type = std::move(media_type);
  return l;
}

struct Image {
  Descriptor target;  // the manifest (or index)
  Descriptor manifest, config;
  std::vector<Descriptor> layers;
  std::vector<std::string> chain;
};

Descriptor Desc(std::string_view media_type, const std::string& bytes) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::Sha256Of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  return d;
}

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    ns_ = "unpack-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    ContainerdStoreOptions o;
    o.socket = Daemon::socket();
    o.ns = ns_;
    o.call_timeout = absl::Seconds(30);
    auto s = ContainerdStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    char tmpl[] = "/tmp/reclaim-unpack-work-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    work_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }

  ContainerdStore& store() { return *store_; }

  std::string Ctr(const std::string& args, int want_rc = 0, const std::string& ns = "") {
    std::string out;
    const int rc = Shell(
        "ctr -a " + Quoted(Daemon::socket()) + " -n " + Quoted(ns.empty() ? ns_ : ns) + " " + args,
        &out);
    EXPECT_EQ(rc, want_rc) << "ctr " << args << ":\n" << out;
    return out;
  }

  void PutBlob(const std::string& lease, const Descriptor& d, const std::string& bytes,
               const Labels& labels = {}) {
    WriterOptions o;
    o.ref = "test-" + d.digest.str();
    o.lease_id = lease;
    auto w = store().Writer(o);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s = (*w)->Commit(d.size, d.digest, labels);
    ASSERT_TRUE(s.ok() || absl::IsAlreadyExists(s)) << s;
  }

  // Writes the layers, an OCI config (diff_ids, overridable) and manifest, and
  // an image record `name`, with containerd's gc.ref labels; `present` false
  // leaves a layer's blob out of the content store.
  Image WriteImage(const std::string& name, const std::vector<Layer>& layers,
                   std::vector<Digest> diff_ids = {}, const nlohmann::json& cmd = nullptr,
                   const Platform& platform = P("linux", "amd64"),
                   const std::vector<bool>& present = {}) {
    const std::string lease = "write-" + name;
    EXPECT_TRUE(store().CreateLease(lease, {}).ok());
    Image img;
    if (diff_ids.empty()) {
      for (const Layer& l : layers) diff_ids.push_back(l.diff_id);
    }
    nlohmann::json ids = nlohmann::json::array();
    for (const Digest& d : diff_ids) ids.push_back(d.str());
    nlohmann::json config = {{"architecture", platform.architecture},
                             {"os", platform.os},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", ids}}},
                             {"config", nlohmann::json::object()}};
    if (!platform.variant.empty()) config["variant"] = platform.variant;
    if (!cmd.is_null()) config["config"]["Cmd"] = cmd;
    const std::string config_bytes = config.dump();
    img.config = Desc(kOciConfig, config_bytes);
    PutBlob(lease, img.config, config_bytes);
    Labels manifest_labels = {{"containerd.io/gc.ref.content.config", img.config.digest.str()}};
    nlohmann::json layer_json = nlohmann::json::array();
    for (size_t i = 0; i < layers.size(); ++i) {
      const Descriptor d = Desc(layers[i].media_type, layers[i].bytes);
      if (present.empty() || present[i]) PutBlob(lease, d, layers[i].bytes);
      img.layers.push_back(d);
      layer_json.push_back(DescriptorToJson(d));
      manifest_labels["containerd.io/gc.ref.content.l." + std::to_string(i)] = d.digest.str();
    }
    const std::string manifest_bytes = nlohmann::json{
        {"schemaVersion", 2},
        {"mediaType", std::string(kOciManifest)},
        {"config", DescriptorToJson(img.config)},
        {"layers", layer_json}}.dump();
    img.manifest = Desc(kOciManifest, manifest_bytes);
    PutBlob(lease, img.manifest, manifest_bytes, manifest_labels);
    img.target = img.manifest;
    img.chain = ChainIds(diff_ids);
    CreateRecord(name, img.target);
    EXPECT_TRUE(store().DeleteLease(lease, false).ok());
    return img;
  }

  void CreateRecord(const std::string& name, const Descriptor& target) {
    ImageRecord r;
    r.name = name;
    r.target = target;
    auto made = store().CreateImage(r);
    ASSERT_TRUE(made.ok()) << made.status();
  }

  // An index over `images`' manifests with their platforms, recorded as `name`.
  Descriptor WriteIndex(const std::string& name,
                        const std::vector<std::pair<Image, Platform>>& entries) {
    nlohmann::json manifests = nlohmann::json::array();
    Labels labels;
    for (size_t i = 0; i < entries.size(); ++i) {
      Descriptor d = entries[i].first.manifest;
      d.platform = entries[i].second;
      manifests.push_back(DescriptorToJson(d));
      labels["containerd.io/gc.ref.content.m." + std::to_string(i)] = d.digest.str();
    }
    const std::string bytes = nlohmann::json{
        {"schemaVersion", 2},
        {"mediaType", std::string(kOciIndex)},
        {"manifests", manifests}}.dump();
    const Descriptor index = Desc(kOciIndex, bytes);
    EXPECT_TRUE(store().CreateLease("index", {}).ok());
    PutBlob("index", index, bytes, labels);
    CreateRecord(name, index);
    EXPECT_TRUE(store().DeleteLease("index", false).ok());
    return index;
  }

  struct Snap {
    std::string parent, kind;
  };
  // `ctr snapshots ls` of the test namespace: key -> parent, kind.
  std::map<std::string, Snap> CtrSnapshots(const std::string& ns = "") {
    std::map<std::string, Snap> out;
    std::istringstream in(Ctr("snapshots ls", 0, ns));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::vector<std::string> cols;
      for (std::string c; f >> c;) cols.push_back(c);
      if (cols.empty()) continue;
      if (cols[0].rfind("extract-", 0) == 0 && cols.size() >= 2) {  // "extract-… sha256:…"
        cols[0] += " " + cols[1];
        cols.erase(cols.begin() + 1);
      }
      out[cols[0]] = cols.size() == 3 ? Snap{cols[1], cols[2]} : Snap{"", cols.back()};
    }
    return out;
  }

  std::string ns_;
  std::string work_;
  std::unique_ptr<ContainerdStore> store_;
};

// Three files per image, one per layer, gzip-compressed.
std::vector<Layer> ThreeLayers(const std::string& seed, Compression c = Compression::kGzip) {
  std::vector<Layer> out;
  for (int i = 0; i < 3; ++i) {
    out.push_back(
        MakeLayer({{seed + "-" + std::to_string(i), "content " + seed + std::to_string(i)}}, c));
  }
  return out;
}

TEST_F(UnpackTest, ThreeGzipLayersBecomeThreeCommittedSnapshotsLikeCtrSeesThem) {
  const Image img = WriteImage("docker.io/library/three:1", ThreeLayers("three"));
  auto r = store().Unpack(img.target, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->manifest.digest, img.manifest.digest);
  EXPECT_EQ(r->config, img.config.digest);
  EXPECT_EQ(r->snapshotter, "overlayfs");
  EXPECT_EQ(r->chain_id, img.chain.back());
  ASSERT_EQ(r->layers.size(), 3u);
  EXPECT_EQ(r->applied_layers(), 3u);
  int64_t sum = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r->layers[i].chain_id, img.chain[i]);
    EXPECT_EQ(r->layers[i].blob.digest, img.layers[i].digest);
    EXPECT_TRUE(r->layers[i].applied);
    EXPECT_GT(r->layers[i].applied_bytes, 0);
    sum += r->layers[i].applied_bytes;
  }
  EXPECT_EQ(r->applied_bytes, sum);

  const auto snaps = CtrSnapshots();
  ASSERT_EQ(snaps.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(snaps.contains(img.chain[i])) << img.chain[i];
    EXPECT_EQ(snaps.at(img.chain[i]).kind, "Committed");
    EXPECT_EQ(snaps.at(img.chain[i]).parent, i == 0 ? "" : img.chain[i - 1]);
  }
  // The labels containerd's unpack leaves.
  EXPECT_EQ(store().Info(img.config.digest)->labels.at("containerd.io/gc.ref.snapshot.overlayfs"),
            img.chain.back());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(store().Info(img.layers[i].digest)->labels.at("containerd.io/uncompressed"),
              r->layers[i].diff_id.str());
  }
  // STATUS counts the config and the layers; UNPACKED is the last column.
  const std::string check = Ctr("images check");
  EXPECT_NE(check.find("complete (4/4)"), std::string::npos) << check;
  EXPECT_EQ(check.substr(check.find_last_not_of(" \n") - 3, 4), "true") << check;
  // The temporary lease is gone; ctr import's snapshots carry no labels either.
  EXPECT_TRUE(store().ListLeases()->empty());
  auto listed = store().ListSnapshots();
  ASSERT_TRUE(listed.ok());
  for (const auto& s : *listed) EXPECT_TRUE(s.labels.empty()) << s.key;
}

TEST_F(UnpackTest, SecondUnpackIsANoOpAndASharedBaseIsShared) {
  std::vector<Layer> a = ThreeLayers("a");
  const Image ia = WriteImage("docker.io/library/a:1", a);
  ASSERT_TRUE(store().Unpack(ia.target, {}).ok());
  const auto before = CtrSnapshots();

  auto again = store().Unpack(ia.target, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied_layers(), 0u);
  EXPECT_EQ(again->applied_bytes, 0);
  EXPECT_EQ(again->chain_id, ia.chain.back());
  const auto after = CtrSnapshots();
  EXPECT_EQ(after.size(), before.size());

  // b = a's first layer + its own: the base snapshot is a's.
  const Image ib =
      WriteImage("docker.io/library/b:1", {a[0], MakeLayer({{"b", "b"}}, Compression::kGzip)});
  auto rb = store().Unpack(ib.target, {});
  ASSERT_TRUE(rb.ok()) << rb.status();
  ASSERT_EQ(rb->layers.size(), 2u);
  EXPECT_FALSE(rb->layers[0].applied);
  EXPECT_EQ(rb->layers[0].chain_id, ia.chain[0]);
  EXPECT_TRUE(rb->layers[1].applied);
  const auto snaps = CtrSnapshots();
  EXPECT_EQ(snaps.size(), 4u);
  EXPECT_EQ(snaps.at(ib.chain[1]).parent, ia.chain[0]);
}

TEST_F(UnpackTest, ManyImagesInParallelApplyASharedLayerOnce) {
  const Layer base = MakeLayer({{"base", std::string(200000, 'b')}}, Compression::kGzip);
  std::vector<Image> images;
  std::vector<Descriptor> targets;
  for (int i = 0; i < 12; ++i) {
    images.push_back(
        WriteImage("docker.io/library/par:" + std::to_string(i),
                   {base, MakeLayer({{"own", std::to_string(i)}}, Compression::kGzip)}));
    targets.push_back(images.back().target);
  }
  // Twice: listing first (threshold 1), and Stat per image (threshold never).
  struct Case {
    size_t list_threshold;
    size_t begin, end;
  };
  for (const Case& c : {Case{1, 0, 6}, Case{1000, 6, 12}}) {
    UnpackOptions o;
    o.parallelism = 4;
    o.list_threshold = c.list_threshold;
    std::vector<Descriptor> some(targets.begin() + c.begin, targets.begin() + c.end);
    auto all = store().UnpackAll(some, o);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), some.size());
    int base_applied = 0;
    for (size_t i = 0; i < all->size(); ++i) {
      const auto& r = (*all)[i];
      ASSERT_TRUE(r.ok()) << i << ": " << r.status();
      EXPECT_EQ(r->chain_id, images[c.begin + i].chain.back());
      EXPECT_TRUE(r->layers[1].applied);
      base_applied += r->layers[0].applied ? 1 : 0;
    }
    EXPECT_EQ(base_applied, c.begin == 0 ? 1 : 0) << "threshold " << c.list_threshold;
  }
  EXPECT_EQ(CtrSnapshots().size(), 13u);
  EXPECT_TRUE(store().ListLeases()->empty());
}

// Under the caller's lease (a load's) the layers below a failed one stay,
// committed, until that lease goes; nothing else is left behind.
TEST_F(UnpackTest, LayerNotMatchingItsDiffIdFailsAndLeavesOnlyTheLayersBelow) {
  std::vector<Layer> layers = ThreeLayers("bad");
  std::vector<Digest> ids = {layers[0].diff_id, layers[1].diff_id, Digest::Sha256Of("not the tar")};
  const Image img = WriteImage("docker.io/library/bad:1", layers, ids);
  ASSERT_TRUE(store().CreateLease("load", {}).ok());
  UnpackOptions o;
  o.lease_id = "load";
  auto r = store().Unpack(img.target, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  const std::string msg(r.status().message());
  EXPECT_NE(msg.find("wrong diff id calculated on extraction \"" + layers[2].diff_id.str() + "\""),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(ids[2].str()), std::string::npos) << msg;
  ASSERT_TRUE(store().Collect().ok());  // the lease holds what is below
  const auto snaps = CtrSnapshots();
  EXPECT_EQ(snaps.size(), 2u);
  EXPECT_TRUE(snaps.contains(img.chain[0]));
  EXPECT_TRUE(snaps.contains(img.chain[1]));
  for (const auto& [key, s] : snaps) EXPECT_EQ(s.kind, "Committed") << key;
  auto leases = store().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);  // the caller's, kept
  EXPECT_EQ((*leases)[0].id, "load");
  EXPECT_FALSE(
      store().Info(img.config.digest)->labels.contains("containerd.io/gc.ref.snapshot.overlayfs"));
  // Once the caller's lease goes, nothing refers to them.
  ASSERT_TRUE(store().DeleteLease("load", false).ok());
  ASSERT_TRUE(store().Collect().ok());
  EXPECT_TRUE(CtrSnapshots().empty());
}

TEST_F(UnpackTest, ImagesThatCannotBeUnpackedSayWhy) {
  const std::vector<Layer> two = {MakeLayer({{"x", "x"}}, Compression::kGzip),
                                  MakeLayer({{"y", "y"}}, Compression::kGzip)};
  const Image short_config = WriteImage("docker.io/library/short:1", two, {two[0].diff_id});
  const Image fine = WriteImage("docker.io/library/fine:1", two);
  Descriptor missing = fine.manifest;
  missing.digest = Digest::Sha256Of("no such manifest");
  struct Case {
    std::string name;
    Descriptor target;
    absl::StatusCode code;
    std::string words;
  };
  const std::vector<Case> cases = {
      {"fewer diff IDs than layers", short_config.target, absl::StatusCode::kInvalidArgument,
       "image " + short_config.target.digest.str() +
           ": mismatched image rootfs and manifest layers (1 diff IDs, 2 layers)"},
      {"a layer as the target", fine.layers[0], absl::StatusCode::kNotFound,
       "unexpected media type " + std::string(kOciLayerGzip) + " for " +
           fine.layers[0].digest.str() + ": not found"},
      {"a manifest not in the store", missing, absl::StatusCode::kNotFound, missing.digest.str()},
  };
  for (const Case& c : cases) {
    auto r = store().Unpack(c.target, {});
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status();
    EXPECT_NE(std::string(r.status().message()).find(c.words), std::string::npos)
        << c.name << ": " << r.status();
  }
  EXPECT_TRUE(CtrSnapshots().empty());
  EXPECT_TRUE(store().ListLeases()->empty());
}

TEST_F(UnpackTest, EveryLayerMediaTypeContainerdDecompresses) {
  struct Case {
    std::string name;
    Compression compression;
    std::string media_type;  // "" = the OCI type for the compression
  };
  const std::vector<Case> cases = {
      {"oci-tar", Compression::kNone, ""},
      {"oci-gzip", Compression::kGzip, ""},
      {"oci-zstd", Compression::kZstd, ""},
      {"docker-tar", Compression::kNone, std::string(kDockerLayer)},
      {"docker-gzip", Compression::kGzip, std::string(kDockerLayerGzip)},
      {"docker-foreign-gzip", Compression::kGzip, std::string(kDockerLayerForeignGzip)},
      {"oci-nondistributable-gzip", Compression::kGzip, std::string(kOciLayerNonDistributableGzip)},
      {"oci-nondistributable-zstd", Compression::kZstd, std::string(kOciLayerNonDistributableZstd)},
  };
  for (const Case& c : cases) {
    const Layer l = MakeLayer({{c.name, "payload of " + c.name}}, c.compression, c.media_type);
    const Image img = WriteImage("docker.io/library/" + c.name + ":1", {l});
    auto r = store().Unpack(img.target, {});
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status();
    EXPECT_EQ(r->applied_layers(), 1u) << c.name;
    EXPECT_EQ(r->chain_id, l.diff_id.str()) << c.name;
    if (c.compression == Compression::kNone) {
      EXPECT_EQ(r->applied_bytes, static_cast<int64_t>(l.bytes.size())) << c.name;
    }
  }
  EXPECT_EQ(CtrSnapshots().size(), cases.size());
}

TEST_F(UnpackTest, ForeignLayerNotInTheContentStoreFailsNamingIt) {
  const Layer base = MakeLayer({{"base", "b"}}, Compression::kGzip);
  const Layer foreign =
      MakeLayer({{"f", "f"}}, Compression::kGzip, std::string(kDockerLayerForeignGzip));
  const Image img = WriteImage("docker.io/library/foreign:1", {base, foreign}, {}, nullptr,
                               P("linux", "amd64"), {true, false});
  auto r = store().Unpack(img.target, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
  const std::string msg(r.status().message());
  EXPECT_NE(msg.find("failed to extract layer " + foreign.diff_id.str()), std::string::npos) << msg;
  EXPECT_NE(msg.find(img.layers[1].digest.str()), std::string::npos) << msg;
  // The base at most (a collection may already have taken it: the temporary
  // lease went with the failure and no config points at it), no extraction
  // snapshot, no lease.
  for (const auto& [key, s] : CtrSnapshots()) {
    EXPECT_EQ(key, img.chain[0]);
    EXPECT_EQ(s.kind, "Committed");
  }
  EXPECT_TRUE(store().ListLeases()->empty());
  ASSERT_TRUE(store().Collect().ok());
  EXPECT_TRUE(CtrSnapshots().empty());
}

TEST_F(UnpackTest, IndexYieldsTheHostPlatformsManifest) {
  // Each manifest has a record of its own too, so no collection takes it
  // before an index refers to it.
  const Image amd64 =
      WriteImage("docker.io/library/m:amd64", {MakeLayer({{"amd64", "x"}}, Compression::kGzip)});
  const Image i386 =
      WriteImage("docker.io/library/m:386", {MakeLayer({{"386", "x"}}, Compression::kGzip)}, {},
                 nullptr, P("linux", "386"));
  const Image arm64 =
      WriteImage("docker.io/library/m:arm64", {MakeLayer({{"arm64", "x"}}, Compression::kGzip)}, {},
                 nullptr, P("linux", "arm64"));
  struct Case {
    std::string name;
    std::vector<std::pair<Image, Platform>> entries;
    const Image* want;  // null: no match
  };
  const std::vector<Case> cases = {
      {"all",
       {{arm64, P("linux", "arm64")}, {i386, P("linux", "386")}, {amd64, P("linux", "amd64")}},
       &amd64},
      {"386-only", {{arm64, P("linux", "arm64")}, {i386, P("linux", "386")}}, &i386},
      {"arm-only", {{arm64, P("linux", "arm64", "v8")}}, nullptr},
  };
  for (const Case& c : cases) {
    const Descriptor index = WriteIndex("docker.io/library/idx-" + c.name + ":1", c.entries);
    auto r = store().Unpack(index, {});
    if (c.want == nullptr) {
      ASSERT_FALSE(r.ok()) << c.name;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
      EXPECT_EQ(r.status().message(),
                "no match for platform in manifest " + index.digest.str() + ": not found");
      continue;
    }
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status();
    EXPECT_EQ(r->manifest.digest, c.want->manifest.digest) << c.name;
    EXPECT_EQ(r->chain_id, c.want->chain.back()) << c.name;
  }
}

TEST_F(UnpackTest, PullLabelsMarkEachSnapshotWithItsChainId) {
  const Image img = WriteImage("docker.io/library/pulled:1", ThreeLayers("pulled"));
  UnpackOptions o;
  o.pull_labels = true;
  ASSERT_TRUE(store().Unpack(img.target, o).ok());
  auto snaps = store().ListSnapshots();
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  for (const auto& s : *snaps) {
    EXPECT_EQ(s.labels, (Labels{{"containerd.io/snapshot.ref", s.key}})) << s.key;
  }
}

// The rootfs is what the layers say: run the image (runc) and read it.
TEST_F(UnpackTest, UnpackedImageRunsWithCtrAndSeesItsLayersMerged) {
  std::ifstream in("/bin/busybox", std::ios::binary);
  ASSERT_TRUE(in.good()) << "/bin/busybox is missing: install busybox-static (scripts/setup.sh)";
  const std::string busybox((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<Layer> layers = {
      MakeLayer(
          {{"bin/busybox", busybox, 0755}, {"gone", "deleted above"}, {"kept", "from layer 1"}},
          Compression::kGzip),
      MakeLayer({{"second", "from layer 2"}}, Compression::kZstd),
      MakeLayer({{".wh.gone", ""}, {"kept", "replaced in layer 3"}}, Compression::kNone),
  };
  const Image img = WriteImage("docker.io/library/runme:1", layers, {},
                               {"/bin/busybox", "sh", "-c", "cat /kept /second; ls /gone"});
  ASSERT_TRUE(store().Unpack(img.target, {}).ok());
  std::string out;
  const int rc = Shell("timeout 60 ctr -a " + Quoted(Daemon::socket()) + " -n " + Quoted(ns_) +
                           " run --rm docker.io/library/runme:1 runme-1",
                       &out);
  EXPECT_EQ(rc, 1) << out;  // ls of the whited-out file fails
  EXPECT_NE(out.find("replaced in layer 3from layer 2"), std::string::npos) << out;
  EXPECT_NE(out.find("/gone: No such file or directory"), std::string::npos) << out;
  EXPECT_EQ(CtrSnapshots().size(), 3u);  // ctr used ours (and removed its container's)
}

// Unpacked images are pruned with their snapshots, so reports count them.
TEST_F(UnpackTest, PruneOfUnpackedImageRemovesItsSnapshots) {
  const Image keep = WriteImage("docker.io/library/keep:1", ThreeLayers("keep"));
  const Image gone = WriteImage("docker.io/library/gone:1",
                                {MakeLayer({{"keep-0", "content keep0"}}, Compression::kGzip),
                                 MakeLayer({{"gone", "g"}}, Compression::kGzip)});
  ASSERT_TRUE(store().Unpack(keep.target, {}).ok());
  ASSERT_TRUE(store().Unpack(gone.target, {}).ok());
  ASSERT_EQ(gone.chain[0], keep.chain[0]);  // a shared base
  auto batch = store().collector().DeleteImagesAndCollect({"docker.io/library/gone:1"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->collected.removed_snapshots.size(), 1u);
  EXPECT_EQ(batch->collected.removed_snapshots[0].key, gone.chain[1]);
  const auto snaps = CtrSnapshots();
  EXPECT_EQ(snaps.size(), 3u);
  EXPECT_FALSE(snaps.contains(gone.chain[1]));
  auto all = store().collector().DeleteImagesAndCollect({"docker.io/library/keep:1"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->collected.removed_snapshots.size(), 3u);
  EXPECT_TRUE(CtrSnapshots().empty());
}

// What `ctr images import` (containerd's own unpack) leaves and what ours
// leaves after `ctr images import --no-unpack` are the same: snapshots (names,
// parents, kinds, labels) and every blob's labels.
TEST_F(UnpackTest, SameResultAsCtrImagesImport) {
  std::vector<Layer> layers = ThreeLayers("same");
  layers.push_back(MakeLayer({{"zstd", "z"}}, Compression::kZstd));
  // An OCI layout archive of the image, named for ctr.
  const std::string dir = work_ + "/oci";
  std::filesystem::create_directories(dir + "/blobs/sha256");
  std::vector<Entry> files;
  auto add = [&](const Descriptor& d, const std::string& bytes) {
    files.push_back({"blobs/sha256/" + std::string(d.digest.hex()), bytes});
  };
  nlohmann::json ids = nlohmann::json::array(), layer_json = nlohmann::json::array();
  for (const Layer& l : layers) {
    ids.push_back(l.diff_id.str());
    const Descriptor d = Desc(l.media_type, l.bytes);
    add(d, l.bytes);
    layer_json.push_back(DescriptorToJson(d));
  }
  const std::string config = nlohmann::json{{"architecture", "amd64"},
                                            {"os", "linux"},
                                            {"rootfs", {{"type", "layers"}, {"diff_ids", ids}}}}
                                 .dump();
  add(Desc(kOciConfig, config), config);
  const std::string manifest = nlohmann::json{
      {"schemaVersion", 2},
      {"mediaType", std::string(kOciManifest)},
      {"config", DescriptorToJson(Desc(kOciConfig, config))},
      {"layers", layer_json}}.dump();
  const Descriptor m = Desc(kOciManifest, manifest);
  add(m, manifest);
  nlohmann::json entry = DescriptorToJson(m);
  entry["annotations"] = {{"io.containerd.image.name", "docker.io/library/same:1"}};
  files.push_back(
      {"index.json", nlohmann::json{{"schemaVersion", 2}, {"manifests", {entry}}}.dump()});
  files.push_back({"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"});
  const std::string tar = work_ + "/same.tar";
  std::ofstream(tar, std::ios::binary) << Archive(files, Compression::kNone);

  const std::string theirs = ns_ + "-ctr";
  Ctr("images import " + Quoted(tar), 0, theirs);
  Ctr("images import --no-unpack " + Quoted(tar));
  ASSERT_TRUE(CtrSnapshots().empty());
  auto r = store().Unpack(m, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied_layers(), 4u);

  auto snapshots = [&](const std::string& ns) {
    std::string out;
    for (const auto& [key, s] : CtrSnapshots(ns)) {
      out += key + " <- " + s.parent + " " + s.kind + " " +
             Ctr("snapshots info " + Quoted(key), 0, ns) + "\n";
    }
    return out;
  };
  auto labels = [&](const std::string& ns) {
    std::map<std::string, std::string> out;  // digest -> labels column
    std::istringstream in(Ctr("content ls", 0, ns));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::vector<std::string> cols;
      for (std::string c; f >> c;) cols.push_back(c);
      if (cols.empty()) continue;
      // ctr prints the labels in Go's random map order.
      std::set<std::string> sorted = absl::StrSplit(cols.back(), ',');
      out[cols[0]] = absl::StrJoin(sorted, ",");
    }
    return out;
  };
  // Snapshot infos differ only in their timestamps.
  auto strip_times = [](std::string s) {
    std::string out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"Created\"") == std::string::npos &&
          line.find("\"Updated\"") == std::string::npos) {
        out += line + "\n";
      }
    }
    return out;
  };
  EXPECT_EQ(strip_times(snapshots(ns_)), strip_times(snapshots(theirs)));
  auto ours = labels(ns_), ctrs = labels(theirs);
  for (const Layer& l : layers) {
    const std::string d = Desc(l.media_type, l.bytes).digest.str();
    EXPECT_EQ(ours[d], ctrs[d]) << d;
    EXPECT_EQ(ours[d], "containerd.io/uncompressed=" + l.diff_id.str()) << d;
  }
  const std::string c = Desc(kOciConfig, config).digest.str();
  EXPECT_EQ(ours[c], ctrs[c]);
  EXPECT_EQ(ours[m.digest.str()], ctrs[m.digest.str()]);
  EXPECT_EQ(Ctr("images check"), Ctr("images check", 0, theirs));
}

}  // namespace
}  // namespace reclaim

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new reclaim::Daemon);
  return RUN_ALL_TESTS();
}
