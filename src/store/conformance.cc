// The body of the Store conformance suite (see conformance.h).
#include "store/conformance.h"

#include <set>
#include <string>
#include <vector>

#include "core/media_types.h"
#include "core/status.h"
#include "nlohmann/json.hpp"

namespace reclaim {
namespace {

using namespace media_types;  // NOLINT: the test speaks in media types throughout

// Writes `bytes` as a blob (under `lease` when given) and returns its descriptor.
Descriptor Put(Store& s, std::string_view media_type, const std::string& bytes,
               const Labels& labels = {}, const std::string& lease = "") {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digest::Sha256Of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  WriterOptions opts;
  opts.ref = "test-" + d.digest.str();
  opts.lease_id = lease;
  auto w = s.Writer(opts);
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return d;
  EXPECT_TRUE((*w)->Write(bytes).ok());
  absl::Status st = (*w)->Commit(d.size, d.digest, labels);
  EXPECT_TRUE(st.ok() || absl::IsAlreadyExists(st)) << st;
  return d;
}

// A one-platform image: layers (shared ones passed in), a config, a manifest
// carrying containerd's gc.ref labels. Returns the manifest descriptor.
struct TestImage {
  Descriptor manifest, config;
  std::vector<Descriptor> layers;
};

TestImage PutImage(Store& s, const std::string& tag, std::vector<Descriptor> shared_layers = {},
                   const std::string& lease = "") {
  TestImage img;
  img.layers = std::move(shared_layers);
  img.layers.push_back(Put(s, kOciLayer, "layer of " + tag, {}, lease));
  img.config = Put(s, kOciConfig,
                   R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers"},"tag":")" +
                       tag + "\"}",
                   {}, lease);
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", std::string(kOciManifest)},
                      {"config", DescriptorToJson(img.config)},
                      {"layers", nlohmann::json::array()}};
  Labels labels = {{"containerd.io/gc.ref.content.config", img.config.digest.str()}};
  for (size_t i = 0; i < img.layers.size(); ++i) {
    m["layers"].push_back(DescriptorToJson(img.layers[i]));
    labels["containerd.io/gc.ref.content.l." + std::to_string(i)] = img.layers[i].digest.str();
  }
  img.manifest = Put(s, kOciManifest, m.dump(), labels, lease);
  return img;
}

ImageRecord Record(const std::string& name, const Descriptor& target) {
  ImageRecord r;
  r.name = name;
  r.target = target;
  return r;
}

std::set<std::string> ContentDigests(Store& s) {
  std::set<std::string> out;
  auto list = s.ListContent();
  EXPECT_TRUE(list.ok()) << list.status();
  if (list.ok()) {
    for (const auto& c : *list) out.insert(c.digest.str());
  }
  return out;
}

TEST_P(StoreConformance, ImageRecordsLifecycle) {
  TestImage a = PutImage(store(), "a");
  auto created = store().CreateImage(Record("docker.io/library/a:1", a.manifest));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_NE(created->created_at, absl::InfinitePast());
  EXPECT_EQ(created->created_at, created->updated_at);

  auto dup = store().CreateImage(Record("docker.io/library/a:1", a.manifest));
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(store().CreateImage(Record("docker.io/library/a:0", a.manifest)).ok());
  auto list = store().ListImages();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "docker.io/library/a:0");
  EXPECT_EQ((*list)[1].target, a.manifest);

  ImageRecord changed = *created;
  changed.labels = {{"k", "v"}};
  auto updated = store().UpdateImage(changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->created_at, created->created_at);
  auto got = store().GetImage("docker.io/library/a:1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->labels.at("k"), "v");

  EXPECT_EQ(store().UpdateImage(Record("docker.io/library/nope:1", a.manifest)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store().DeleteImage("docker.io/library/a:1").ok());
  EXPECT_EQ(store().DeleteImage("docker.io/library/a:1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().GetImage("docker.io/library/a:1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformance, ContentWriteReadAndLabels) {
  const std::string bytes(300000, 'x');
  Descriptor d = Put(store(), kOciLayer, bytes, {{"a", "1"}});
  auto info = store().Info(d.digest);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, 300000);
  EXPECT_EQ(info->labels.at("a"), "1");
  auto read = store().ReadBlob(d.digest, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_EQ(store().ReadBlob(d.digest, 100).status().code(),
            absl::StatusCode::kResourceExhausted);

  auto reader = store().OpenBlob(d.digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 300000);
  std::string streamed;
  for (;;) {
    auto chunk = (*reader)->Read(65536);
    ASSERT_TRUE(chunk.ok());
    if (chunk->empty()) break;
    streamed += *chunk;
  }
  EXPECT_EQ(streamed, bytes);

  auto relabel = store().UpdateContentLabels(d.digest, {{"a", ""}, {"b", "2"}});
  ASSERT_TRUE(relabel.ok());
  EXPECT_EQ(relabel->labels, (Labels{{"b", "2"}}));
  EXPECT_EQ(store().Info(d.digest)->labels, (Labels{{"b", "2"}}));

  const Digest missing = Digest::Sha256Of("never written");
  EXPECT_EQ(store().Info(missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().ReadBlob(missing, 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().OpenBlob(missing).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformance, CommitRejectsWrongSizeOrDigestAndLeavesNothing) {
  const std::string bytes = "some layer bytes";
  const Digest right = Digest::Sha256Of(bytes);
  {
    auto w = store().Writer(WriterOptions{"bad-size"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s = (*w)->Commit(static_cast<int64_t>(bytes.size()) + 1, right, {});
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  {
    auto w = store().Writer(WriterOptions{"bad-digest"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s =
        (*w)->Commit(static_cast<int64_t>(bytes.size()), Digest::Sha256Of("other"), {});
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  {
    auto w = store().Writer(WriterOptions{"aborted"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    (*w)->Abort();
  }
  EXPECT_EQ(store().Info(right).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ContentDigests(store()).empty());

  // The same bytes committed twice: the second says AlreadyExists.
  Put(store(), kOciLayer, bytes);
  auto w = store().Writer(WriterOptions{"again"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(bytes).ok());
  EXPECT_EQ((*w)->Commit(static_cast<int64_t>(bytes.size()), right, {}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ContentDigests(store()), (std::set<std::string>{right.str()}));
}

TEST_P(StoreConformance, ContainerRecords) {
  ContainerRecord c;
  c.id = std::string(64, 'a');
  c.name = "web";
  c.image = "busybox";
  c.image_id = Digest::Sha256Of("manifest");
  c.labels = {{"x", "y"}};
  auto created = store().CreateContainer(c);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(store().CreateContainer(c).status().code(), absl::StatusCode::kAlreadyExists);
  auto got = store().GetContainer(c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->image, "busybox");
  EXPECT_EQ(got->image_id, c.image_id);
  EXPECT_EQ(got->labels, c.labels);
  EXPECT_EQ(got->name, "web");
  auto list = store().ListContainers();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_TRUE(store().DeleteContainer(c.id).ok());
  EXPECT_EQ(store().DeleteContainer(c.id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().GetContainer(c.id).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformance, CollectRemovesOnlyWhatNoImageReaches) {
  TestImage x = PutImage(store(), "x");
  TestImage y = PutImage(store(), "y", {x.layers[0]});  // shares x's layer
  ASSERT_TRUE(store().CreateImage(Record("docker.io/library/x:1", x.manifest)).ok());
  ASSERT_TRUE(store().CreateImage(Record("docker.io/library/y:1", y.manifest)).ok());
  const Descriptor orphan = Put(store(), kOciLayer, "unreferenced");
  ASSERT_EQ(ContentDigests(store()).size(), 7u);  // 2 manifests, 2 configs, 2 layers, orphan

  auto batch = store().DeleteImagesAndCollect({"docker.io/library/x:1", "docker.io/library/no:1"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->deletions.size(), 2u);
  EXPECT_TRUE(batch->deletions[0].status.ok());
  EXPECT_EQ(batch->deletions[1].status.code(), absl::StatusCode::kNotFound);
  std::set<std::string> removed;
  int64_t bytes = 0;
  for (const auto& c : batch->collected.removed_content) {
    removed.insert(c.digest.str());
    bytes += c.size;
  }
  // x's manifest and config go, and the orphan; the shared layer stays for y.
  EXPECT_EQ(removed, (std::set<std::string>{x.manifest.digest.str(), x.config.digest.str(),
                                            orphan.digest.str()}));
  EXPECT_EQ(bytes, x.manifest.size + x.config.size + orphan.size);
  EXPECT_EQ(ContentDigests(store()),
            (std::set<std::string>{y.manifest.digest.str(), y.config.digest.str(),
                                   y.layers[0].digest.str(), y.layers[1].digest.str()}));
  EXPECT_EQ(store().ReadBlob(x.manifest.digest, 1 << 20).status().code(),
            absl::StatusCode::kNotFound);

  // A second collection finds nothing more.
  auto again = store().Collect();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->removed_content.empty());
}

// The hook runs after every deletion and before the one collection, which sees
// what it changed (a prune releases labels there).
TEST_P(StoreConformance, DeleteThenCollectRunsTheHookBetween) {
  TestImage x = PutImage(store(), "x");
  ASSERT_TRUE(store().CreateImage(Record("docker.io/library/x:1", x.manifest)).ok());
  const Descriptor held = Put(store(), kOciLayer, "held until the hook");
  ASSERT_TRUE(store().UpdateContentLabels(held.digest, {{"containerd.io/gc.root", "1"}}).ok());
  int calls = 0;
  auto batch = store().DeleteImagesThenCollect(
      {"docker.io/library/x:1", "docker.io/library/no:1"},
      [&](const std::vector<ImageDeletion>& outcome) {
        ++calls;
        ASSERT_EQ(outcome.size(), 2u);
        EXPECT_TRUE(outcome[0].status.ok()) << outcome[0].status;
        EXPECT_EQ(outcome[1].status.code(), absl::StatusCode::kNotFound);
        // The record is gone already. (Its content may be too: containerd
        // schedules a collection of its own after any deletion.)
        EXPECT_EQ(store().GetImage("docker.io/library/x:1").status().code(),
                  absl::StatusCode::kNotFound);
        EXPECT_TRUE(store().UpdateContentLabels(held.digest, {{"containerd.io/gc.root", ""}}).ok());
      });
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(batch->deletions.size(), 2u);
  std::set<std::string> removed;
  for (const auto& c : batch->collected.removed_content) removed.insert(c.digest.str());
  EXPECT_TRUE(removed.contains(held.digest.str()));
  EXPECT_TRUE(removed.contains(x.manifest.digest.str()));
  EXPECT_TRUE(ContentDigests(store()).empty());
}

TEST_P(StoreConformance, GcRootLabelKeepsContent) {
  TestImage s = PutImage(store(), "s");
  ASSERT_TRUE(store().UpdateContentLabels(s.config.digest, {{"containerd.io/gc.root", "1"}}).ok());
  auto c = store().Collect();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ContentDigests(store()), (std::set<std::string>{s.config.digest.str()}));
  ASSERT_TRUE(store().UpdateContentLabels(s.config.digest, {{"containerd.io/gc.root", ""}}).ok());
  ASSERT_TRUE(store().Collect().ok());
  EXPECT_TRUE(ContentDigests(store()).empty());
}

TEST_P(StoreConformance, LeasesProtectContentUntilDeleted) {
  auto lease = store().CreateLease("load-1", {});
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(store().CreateLease("load-1", {}).status().code(), absl::StatusCode::kAlreadyExists);
  TestImage p = PutImage(store(), "p", {}, "load-1");
  ASSERT_TRUE(store().Collect().ok());
  EXPECT_EQ(ContentDigests(store()).size(), 3u);

  auto leases = store().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].resources.size(), 3u);

  WriterOptions bad;
  bad.ref = "no-lease";
  bad.lease_id = "missing";
  EXPECT_EQ(store().Writer(bad).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store().DeleteLease("load-1", /*sync=*/true).ok());
  EXPECT_TRUE(ContentDigests(store()).empty());
  EXPECT_EQ(store().DeleteLease("load-1", false).code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformance, ExpiredLeaseIsCollectedWithItsContent) {
  ASSERT_TRUE(store().CreateLease("old", {{"containerd.io/gc.expire", "2001-01-01T00:00:00Z"}}).ok());
  PutImage(store(), "r", {}, "old");
  // Only the key matters, but containerd stores no label with an empty value.
  ASSERT_TRUE(store().CreateLease("flat", {{"containerd.io/gc.flat", "1"}}).ok());
  TestImage q = PutImage(store(), "q");
  ASSERT_TRUE(store()
                  .AddLeaseResource("flat", LeaseResource{LeaseResourceType::kContent,
                                                          q.manifest.digest.str(), ""})
                  .ok());
  auto c = store().Collect();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->removed_leases, (std::vector<std::string>{"old"}));
  // The flat lease keeps only the manifest itself.
  EXPECT_EQ(ContentDigests(store()), (std::set<std::string>{q.manifest.digest.str()}));
  auto leases = store().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].id, "flat");
}

TEST_P(StoreConformance, CollectionDuringAWriteLeavesTheWriteIntact) {
  ASSERT_TRUE(store().CreateLease("w", {}).ok());
  WriterOptions o;
  o.ref = "in-flight";
  o.lease_id = "w";
  auto w = store().Writer(o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("first half, ").ok());
  ASSERT_TRUE(store().Collect().ok());
  ASSERT_TRUE((*w)->Write("second half").ok());
  const std::string all = "first half, second half";
  absl::Status s = (*w)->Commit(static_cast<int64_t>(all.size()), Digest::Sha256Of(all), {});
  ASSERT_TRUE(s.ok()) << s;
  auto read = store().ReadBlob(Digest::Sha256Of(all), 100);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, all);
}

TEST_P(StoreConformance, SnapshotsListable) {
  auto snaps = store().ListSnapshots();
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  EXPECT_TRUE(snaps->empty());  // a fresh store has none
}

}  // namespace
}  // namespace reclaim
