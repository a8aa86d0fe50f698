// Table tests of each planner stage on its own (stages.h): a state is made from
// a small inventory, the stages before the one under test run, then the stage,
// and only what that stage writes is checked.
#include "service/prune/stages.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/prune/inventory_builder_for_test.h"

namespace reclaim {
namespace {

using ::reclaim::prune_testing::InventoryBuilder;
using ::reclaim::prune_testing::kT0;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;

const absl::Time kNow = kT0 + absl::Hours(24);
const std::string kC1 = std::string(64, '1');
const std::string kC2 = std::string(64, '2');

PruneOptions Options(bool dangling_only, std::vector<absl::Time> until = {},
                     std::vector<LabelCheck> labels = {}) {
  PruneOptions o;
  o.dangling_only = dangling_only;
  o.until = std::move(until);
  o.label_checks = std::move(labels);
  o.now = kNow;
  return o;
}

// Candidate names, in order.
std::vector<std::string> Candidates(const PlanState& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.plan.decisions.size(); ++i) {
    if (s.candidate[i]) out.push_back(s.plan.decisions[i].name);
  }
  return out;
}

// name -> reason of every decision that is not a candidate.
std::map<std::string, DecisionReason> Kept(const PlanState& s) {
  std::map<std::string, DecisionReason> out;
  for (size_t i = 0; i < s.plan.decisions.size(); ++i) {
    if (!s.candidate[i]) out[s.plan.decisions[i].name] = s.plan.decisions[i].reason;
  }
  return out;
}

TEST(PlanStateTest, OrdersRecordsByNameAndGivesUpAnOwnedInventory) {
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  Inventory inv = b.Image("docker.io/library/b:1", x).Image("docker.io/library/a:1", x).Build();
  const PruneOptions options = Options(false);
  {
    PlanState s(inv, nullptr, options);
    EXPECT_EQ(s.plan.decisions[0].name, "docker.io/library/a:1");
    EXPECT_EQ(s.plan.decisions[1].name, "docker.io/library/b:1");
    EXPECT_EQ(inv.images.size(), 2u);  // not given up: untouched
  }
  PlanState owned(inv, &inv, options);
  EXPECT_EQ(owned.plan.decisions[1].target, x.digest);
  EXPECT_THAT(inv.images, IsEmpty());
  EXPECT_EQ(owned.rows.size(), 2u);
  EXPECT_NE(owned.rows[0].walk, nullptr);  // the walks live on in the rows
}

TEST(SelectCandidatesTest, Table) {
  InventoryBuilder b;
  const Descriptor a = b.SimpleImage("a", {{"keep", "yes"}});
  const Descriptor d = b.SimpleImage("d");
  Inventory inv = b.Image("docker.io/library/a:1", a, kT0)
                      .Image("docker.io/library/a:2", a, kT0 + absl::Hours(2))
                      .Dangling(d)
                      .Build();
  const std::string dangling = std::string(kDanglingPrefix) + d.digest.str();
  struct Case {
    std::string name;
    PruneOptions options;
    std::vector<std::string> candidates;
    std::map<std::string, DecisionReason> kept;
  };
  const std::vector<Case> cases = {
      {"dangling only", Options(true),
       {dangling},
       {{"docker.io/library/a:1", DecisionReason::kNotDangling},
        {"docker.io/library/a:2", DecisionReason::kNotDangling}}},
      {"all", Options(false), {"docker.io/library/a:1", "docker.io/library/a:2", dangling}, {}},
      {"until keeps the younger", Options(false, {kT0 + absl::Hours(1)}),
       {"docker.io/library/a:1", dangling},
       {{"docker.io/library/a:2", DecisionReason::kFilteredByUntil}}},
      {"until is strict", Options(false, {kT0}),
       {},
       {{"docker.io/library/a:1", DecisionReason::kFilteredByUntil},
        {"docker.io/library/a:2", DecisionReason::kFilteredByUntil},
        {dangling, DecisionReason::kFilteredByUntil}}},
      {"label", Options(false, {}, {LabelCheck{"keep", "yes", false, false}}),
       {"docker.io/library/a:1", "docker.io/library/a:2"},
       {{dangling, DecisionReason::kFilteredByLabel}}},
      {"label!", Options(false, {}, {LabelCheck{"keep", "yes", false, true}}),
       {dangling},
       {{"docker.io/library/a:1", DecisionReason::kFilteredByLabel},
        {"docker.io/library/a:2", DecisionReason::kFilteredByLabel}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PlanState s(inv, nullptr, c.options);
    SelectCandidates(s);
    EXPECT_EQ(Candidates(s), c.candidates);
    EXPECT_EQ(Kept(s), c.kept);
    // digestRefCount counts every record, candidate or not.
    const std::map<std::string, int64_t> counts(s.digest_ref_count.begin(),
                                                s.digest_ref_count.end());
    EXPECT_EQ(counts, (std::map<std::string, int64_t>{{a.digest.str(), 2}, {d.digest.str(), 1}}));
  }
}

TEST(ProtectContainerImagesTest, Table) {
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  const Descriptor y = b.SimpleImage("y");
  Inventory base = b.Image("docker.io/library/x:1", x)
                       .Image("docker.io/library/x:latest", x)
                       .Image("docker.io/library/y:1", y)
                       .Dangling(y)
                       .Build();
  const std::string dangling_y = std::string(kDanglingPrefix) + y.digest.str();
  struct Case {
    std::string name;
    std::string config_image;
    Digest image_id;
    std::map<std::string, DecisionReason> kept;
    std::vector<std::string> used;  // digests
  };
  const std::vector<Case> cases = {
      {"by name", "x:1", x.digest, {{"docker.io/library/x:1", DecisionReason::kUsedByName}}, {}},
      {"a bare name means latest", "x", x.digest,
       {{"docker.io/library/x:latest", DecisionReason::kUsedByName}}, {}},
      {"by ID prefix", x.digest.str().substr(7, 12), x.digest, {}, {x.digest.str()}},
      {"by full ID with sha256:", x.digest.str(), x.digest, {}, {x.digest.str()}},
      {"by digest reference", "docker.io/library/x@" + x.digest.str(), x.digest, {},
       {x.digest.str()}},
      {"tag and digest protect the tag too", "y:1@" + y.digest.str(), y.digest,
       {{"docker.io/library/y:1", DecisionReason::kUsedByName},
        {dangling_y, DecisionReason::kDanglingRecordInUse}},
       {y.digest.str()}},
      {"its dangling record", "gone:1", y.digest,
       {{dangling_y, DecisionReason::kDanglingRecordInUse}}, {}},
      {"an empty Config.Image matches by ID", "", x.digest, {}, {x.digest.str()}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Inventory inv = base;
    ContainerRecord container;
    container.id = kC1;
    container.image = c.config_image;
    container.image_id = c.image_id;
    inv.containers.push_back(container);
    const PruneOptions options = Options(false);
    PlanState s(inv, nullptr, options);
    SelectCandidates(s);
    ProtectContainerImages(s);
    EXPECT_EQ(Kept(s), c.kept);
    std::vector<std::string> used;
    for (const auto& [digest, use] : s.used) {
      used.push_back(digest.str());
      EXPECT_EQ(use.container_id, kC1);
    }
    EXPECT_EQ(used, c.used);
    for (const auto& [name, reason] : c.kept) {
      for (const Decision& d : s.plan.decisions) {
        if (d.name == name) {
          EXPECT_EQ(d.container_id, kC1) << name;
        }
      }
    }
  }
}

TEST(ProtectContainerImagesTest, TheFirstContainerInIdOrderGivesTheReason) {
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  Inventory inv = b.Image("docker.io/library/x:1", x)
                      .Container(kC2, "x:1", x.digest)
                      .Container(kC1, "x:1", x.digest)
                      .Build();
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  ProtectContainerImages(s);
  EXPECT_EQ(s.plan.decisions[0].container_id, kC1);
}

TEST(KeepLastTagOfUsedDigestsTest, Table) {
  struct Case {
    std::string name;
    std::vector<std::string> names;  // records of one digest
    bool used;
    std::vector<std::string> candidates;
  };
  const std::vector<Case> cases = {
      {"unused digest: every name stays a candidate",
       {"docker.io/library/x:a", "docker.io/library/x:b"},
       false,
       {"docker.io/library/x:a", "docker.io/library/x:b"}},
      {"used digest: the last name in byte order is kept",
       {"docker.io/library/x:b", "docker.io/library/x:B", "docker.io/library/x:a"},
       true,
       {"docker.io/library/x:B", "docker.io/library/x:a"}},
      {"one name of a used digest is kept", {"docker.io/library/x:a"}, true, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    InventoryBuilder b;
    const Descriptor x = b.SimpleImage("x");
    for (const std::string& n : c.names) b.Image(n, x);
    if (c.used) b.Container(kC1, x.digest.str(), x.digest);
    Inventory inv = b.Build();
    const PruneOptions options = Options(false);
    PlanState s(inv, nullptr, options);
    SelectCandidates(s);
    ProtectContainerImages(s);
    KeepLastTagOfUsedDigests(s);
    EXPECT_EQ(Candidates(s), c.candidates);
    EXPECT_THAT(s.digest_ref_count, IsEmpty());  // consumed
  }
}

TEST(KeepLastTagOfUsedDigestsTest, NameProtectedRecordsStillCount) {
  // x:a is protected by name, yet still counts for x's digest: x:b, the last
  // candidate of a used digest, is pruned because the count is 2.
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  Inventory inv = b.Image("docker.io/library/x:a", x)
                      .Image("docker.io/library/x:b", x)
                      .Container(kC1, "x:a", x.digest)
                      .Container(kC2, x.digest.str(), x.digest)
                      .Build();
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  ProtectContainerImages(s);
  KeepLastTagOfUsedDigests(s);
  EXPECT_EQ(Candidates(s), std::vector<std::string>{"docker.io/library/x:b"});
}

TEST(ExtraStagesTest, RunAfterKeepLastTagAndCanOnlyKeep) {
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  const Descriptor y = b.SimpleImage("y");
  const Descriptor z = b.SimpleImage("z");
  Inventory inv = b.Image("docker.io/library/x:1", x)
                      .Image("docker.io/library/y:1", y)
                      .Image("docker.io/library/z:1", z)
                      .Container(kC1, x.digest.str(), x.digest)
                      .Build();
  std::vector<std::string> seen;
  const PlanStage policy = [&](PlanState& s) {
    seen = Candidates(s);  // keep-last-tag has already run: x:1 is kept
    const std::optional<size_t> y_index = s.FindCandidate("docker.io/library/y:1");
    ASSERT_TRUE(y_index.has_value());
    s.Keep(*y_index, DecisionReason::kNotDangling, "kept by the test policy");
  };
  const Plan plan = PlanPrune(inv, Options(false), {policy});
  EXPECT_THAT(seen, ElementsAre("docker.io/library/y:1", "docker.io/library/z:1"));
  EXPECT_THAT(plan.NamesToDelete(), ElementsAre("docker.io/library/z:1"));
  EXPECT_EQ(plan.decisions[1].text, "kept by the test policy");
  // The prediction follows the stage: y's blobs stay.
  for (const Digest& d : plan.predicted_removed_blobs) EXPECT_NE(d, y.digest);
  EXPECT_EQ(plan.predicted_removed_blobs.count(z.digest), 1u);
}

TEST(DecidePrunedTest, ReasonsErrorsAndSharedLists) {
  InventoryBuilder b;
  const Descriptor x = b.SimpleImage("x");
  const Descriptor d = b.SimpleImage("d");
  const Descriptor w = b.SimpleImage("w");
  Inventory inv = b.Image("docker.io/library/x:1", x)
                      .Image("docker.io/library/x:2", x)
                      .Dangling(d)
                      .Image("docker.io/library/w:1", w)
                      .WalkError("docker.io/library/w:1", absl::DataLossError("bad config"))
                      .Build();
  // Records of one target share one walk, as GatherInventory gives them.
  inv.images[1].walk = inv.images[0].walk;
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  DecidePruned(s);
  std::map<std::string, DecisionReason> reasons;
  for (const Decision& decision : s.plan.decisions) reasons[decision.name] = decision.reason;
  EXPECT_EQ(reasons["docker.io/library/x:1"], DecisionReason::kUnused);
  EXPECT_EQ(reasons["docker.io/library/w:1"], DecisionReason::kWalkFailed);
  EXPECT_EQ(reasons[std::string(kDanglingPrefix) + d.digest.str()], DecisionReason::kDangling);
  ASSERT_EQ(s.plan.errors.size(), 1u);
  EXPECT_EQ(s.plan.errors[0].name, "docker.io/library/w:1");
  // In name order: x:1, x:2, then the dangling record ('m' > 'd').
  ASSERT_EQ(s.pruned.size(), 3u);
  EXPECT_EQ(s.pruned[0].second, s.pruned[1].second);  // x:1 and x:2 share their lists
  EXPECT_NE(s.pruned[0].second, s.pruned[2].second);
  std::vector<Digest> walk_order;
  for (const Descriptor& desc : inv.images[0].walk->descriptors) walk_order.push_back(desc.digest);
  EXPECT_EQ(*s.pruned[0].second->blobs, walk_order);
  EXPECT_EQ(walk_order.size(), 3u);
}

TEST(SelectSnapshotLabelReleasesTest, OnlyConfigsNoKeptImageReaches) {
  InventoryBuilder b("overlayfs");
  const Descriptor shared_layer = b.Layer("shared");
  const Descriptor c1 = b.Config("one", {}, {shared_layer});
  const Descriptor c2 = b.Config("two", {}, {shared_layer});
  const Descriptor m1 = b.Manifest("one", c1, {shared_layer});
  const Descriptor m2 = b.Manifest("two", c2, {shared_layer});
  Inventory inv = b.Image("docker.io/library/one:1", m1)
                      .Image("docker.io/library/one:2", m1)
                      .Image("docker.io/library/two:1", m2)
                      .Container(kC1, "two:1", m2.digest)
                      .Build();
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  ProtectContainerImages(s);
  KeepLastTagOfUsedDigests(s);
  DecidePruned(s);
  SelectSnapshotLabelReleases(s);
  EXPECT_EQ(s.snapshot_label, "containerd.io/gc.ref.snapshot.overlayfs");
  EXPECT_THAT(s.release_candidates,
              ElementsAre(Pair(c1.digest, ElementsAre("docker.io/library/one:1",
                                                      "docker.io/library/one:2"))));
  EXPECT_THAT(s.rows, IsEmpty());  // the walks are freed here
}

TEST(PredictCollectionTest, DeletionsAndARemovedConfigNeedsNoRelease) {
  InventoryBuilder b("overlayfs");
  const Descriptor m = b.SimpleImage("m");
  Inventory inv = b.Image("docker.io/library/m:1", m).Build();
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  DecidePruned(s);
  SelectSnapshotLabelReleases(s);
  ASSERT_EQ(s.release_candidates.size(), 1u);
  PredictCollection(s);
  ASSERT_EQ(s.plan.deletions.size(), 1u);
  EXPECT_EQ(s.plan.deletions[0].untagged, "m:1");
  EXPECT_EQ(s.pruned[0].second, nullptr);  // lists_of is freed
  // Nothing else holds the config: the collection removes it, no release.
  EXPECT_THAT(s.plan.snapshot_label_releases, IsEmpty());
  EXPECT_EQ(s.plan.predicted_removed_blobs.size(), 3u);
  EXPECT_EQ(s.plan.predicted_removed_snapshots.size(), 1u);

  // Pinned by gc.root, the config stays and its label is released instead.
  Inventory pinned = b.Build();
  const Digest config = pinned.images[0].walk->configs[0].digest;
  pinned.graph.content[config.str()].labels["containerd.io/gc.root"] = "x";
  PlanState p(pinned, nullptr, options);
  SelectCandidates(p);
  DecidePruned(p);
  SelectSnapshotLabelReleases(p);
  PredictCollection(p);
  ASSERT_EQ(p.plan.snapshot_label_releases.size(), 1u);
  EXPECT_EQ(p.plan.snapshot_label_releases[0].config, config);
  EXPECT_EQ(p.plan.predicted_removed_blobs.count(config), 0u);
  EXPECT_EQ(p.plan.predicted_removed_snapshots.size(), 1u);  // freed by the release
}

TEST(AttributeReportTest, SharedBlobsGoToTheLastPrunedImageAndOthersAreListed) {
  InventoryBuilder b("overlayfs");
  const Descriptor shared = b.Layer("shared", 1000);
  const Descriptor a = b.SimpleImage("a", {}, {"shared"});
  const Descriptor z = b.SimpleImage("z", {}, {"shared"});
  b.Orphan("orphan", 7);
  Inventory inv = b.Image("docker.io/library/a:1", a).Image("docker.io/library/z:1", z).Build();
  const PruneOptions options = Options(false);
  PlanState s(inv, nullptr, options);
  SelectCandidates(s);
  DecidePruned(s);
  SelectSnapshotLabelReleases(s);
  PredictCollection(s);
  AttributeReport(s);
  const Decision& first = s.plan.decisions[0];
  const Decision& last = s.plan.decisions[1];
  EXPECT_EQ(std::count(first.deleted_blobs.begin(), first.deleted_blobs.end(), shared.digest), 0);
  EXPECT_EQ(std::count(last.deleted_blobs.begin(), last.deleted_blobs.end(), shared.digest), 1);
  EXPECT_EQ(s.plan.report.space_reclaimed, first.reclaimed_bytes + last.reclaimed_bytes);
  ASSERT_EQ(s.plan.other_collectable_blobs.size(), 1u);
  EXPECT_EQ(s.plan.other_collectable_blobs[0].size, 7);
  EXPECT_EQ(s.plan.report.images_deleted.front(), ReportItem::Untagged("a:1"));
}

}  // namespace
}  // namespace reclaim
