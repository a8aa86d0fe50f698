// The CollectorConformance suite (conformance.h): Collector: one collection removes exactly what no
// root reaches.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(CollectorConformance, CollectRemovesOnlyWhatNoImageReaches) {
  TestImage x = PutImage(store().content(), "x");
  TestImage y = PutImage(store().content(), "y", {x.layers[0]});  // shares x's layer
  ASSERT_TRUE(store().images().CreateImage(Record("docker.io/library/x:1", x.manifest)).ok());
  ASSERT_TRUE(store().images().CreateImage(Record("docker.io/library/y:1", y.manifest)).ok());
  const Descriptor orphan = Put(store().content(), kOciLayer, "unreferenced");
  ASSERT_EQ(ContentDigests(store().content()).size(),
            7u);  // 2 manifests, 2 configs, 2 layers, orphan

  auto batch = store().collector().DeleteImagesAndCollect(
      {"docker.io/library/x:1", "docker.io/library/no:1"});
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
  EXPECT_EQ(ContentDigests(store().content()),
            (std::set<std::string>{y.manifest.digest.str(), y.config.digest.str(),
                                   y.layers[0].digest.str(), y.layers[1].digest.str()}));
  EXPECT_EQ(store().content().ReadBlob(x.manifest.digest, 1 << 20).status().code(),
            absl::StatusCode::kNotFound);

  // A second collection finds nothing more.
  auto again = store().collector().Collect();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->removed_content.empty());
}

// The hook runs after every deletion and before the one collection, which sees
// what it changed (a prune releases labels there).
TEST_P(CollectorConformance, DeleteThenCollectRunsTheHookBetween) {
  TestImage x = PutImage(store().content(), "x");
  ASSERT_TRUE(store().images().CreateImage(Record("docker.io/library/x:1", x.manifest)).ok());
  const Descriptor held = Put(store().content(), kOciLayer, "held until the hook");
  ASSERT_TRUE(
      store().content().UpdateContentLabels(held.digest, {{"containerd.io/gc.root", "1"}}).ok());
  int calls = 0;
  auto batch = store().collector().DeleteImagesAndCollect(
      {"docker.io/library/x:1", "docker.io/library/no:1"},
      {.after_deletions = [&](const std::vector<ImageDeletion>& outcome) {
        ++calls;
        ASSERT_EQ(outcome.size(), 2u);
        EXPECT_TRUE(outcome[0].status.ok()) << outcome[0].status;
        EXPECT_EQ(outcome[1].status.code(), absl::StatusCode::kNotFound);
        // The record is gone already. (Its content may be too: containerd
        // schedules a collection of its own after any deletion.)
        EXPECT_EQ(store().images().GetImage("docker.io/library/x:1").status().code(),
                  absl::StatusCode::kNotFound);
        EXPECT_TRUE(store()
                        .content()
                        .UpdateContentLabels(held.digest, {{"containerd.io/gc.root", ""}})
                        .ok());
      }});
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(batch->deletions.size(), 2u);
  std::set<std::string> removed;
  for (const auto& c : batch->collected.removed_content) removed.insert(c.digest.str());
  EXPECT_TRUE(removed.contains(held.digest.str()));
  EXPECT_TRUE(removed.contains(x.manifest.digest.str()));
  EXPECT_TRUE(ContentDigests(store().content()).empty());
}

TEST_P(CollectorConformance, GcRootLabelKeepsContent) {
  TestImage s = PutImage(store().content(), "s");
  ASSERT_TRUE(store()
                  .content()
                  .UpdateContentLabels(s.config.digest, {{"containerd.io/gc.root", "1"}})
                  .ok());
  auto c = store().collector().Collect();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ContentDigests(store().content()), (std::set<std::string>{s.config.digest.str()}));
  ASSERT_TRUE(
      store().content().UpdateContentLabels(s.config.digest, {{"containerd.io/gc.root", ""}}).ok());
  ASSERT_TRUE(store().collector().Collect().ok());
  EXPECT_TRUE(ContentDigests(store().content()).empty());
}

TEST_P(CollectorConformance, CollectionDuringAWriteLeavesTheWriteIntact) {
  ASSERT_TRUE(store().leases().CreateLease("w", {}).ok());
  WriterOptions o;
  o.ref = "in-flight";
  o.lease_id = "w";
  auto w = store().content().Writer(o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("first half, ").ok());
  ASSERT_TRUE(store().collector().Collect().ok());
  ASSERT_TRUE((*w)->Write("second half").ok());
  const std::string all = "first half, second half";
  absl::Status s = (*w)->Commit(static_cast<int64_t>(all.size()), Digest::Sha256Of(all), {});
  ASSERT_TRUE(s.ok()) << s;
  auto read = store().content().ReadBlob(Digest::Sha256Of(all), 100);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, all);
}

}  // namespace
}  // namespace reclaim
