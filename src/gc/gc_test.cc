#include "gc/gc.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace reclaim::gc {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// Readable fake digests: the collector never parses them.
std::string D(const std::string& name) { return "sha256:" + name; }

std::vector<std::string> Ds(std::vector<std::string> names) {
  for (std::string& n : names) n = D(n);
  std::sort(names.begin(), names.end());
  return names;
}

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

// An image as /tmp/example/mk2/mkimg2.py builds them and the unpacker labels
// them: the manifest references the config and each layer; the config
// references the top snapshot of its chain in `snapshotters`; each snapshot's
// parent is the chain below. Layer names are shared between images that share
// a layer. Returns the chain key of the top snapshot.
std::string AddImage(GcGraph& g, const std::string& name,
                     const std::vector<std::string>& layers,
                     const std::vector<std::string>& snapshotters = {
                         "overlayfs"}) {
  const std::string manifest = D(name + "-manifest");
  const std::string config = D(name + "-config");
  // Labels are built first: inserting into a flat_hash_map moves its values.
  Labels m;
  m["containerd.io/gc.ref.content.config"] = config;
  std::string chain;
  for (size_t i = 0; i < layers.size(); ++i) {
    g.content[D(layers[i])];
    m["containerd.io/gc.ref.content.l." + std::to_string(i)] =
        D(layers[i]);
    const std::string parent = chain;
    chain = chain.empty() ? "chain:" + layers[i] : chain + "/" + layers[i];
    for (const std::string& s : snapshotters) {
      g.snapshots[s][chain].parent = parent;
    }
  }
  Labels c;
  for (const std::string& s : snapshotters) {
    c["containerd.io/gc.ref.snapshot." + s] = chain;
  }
  g.content[manifest].labels = std::move(m);
  g.content[config].labels = std::move(c);
  g.images[name].target = manifest;
  return chain;
}

// Deletes what a collection removed, as the store would.
void Apply(GcGraph& g, const GcResult& r) {
  for (const std::string& d : r.removed_content) g.content.erase(d);
  for (const ResourceId& s : r.removed_snapshots) {
    g.snapshots[s.snapshotter].erase(s.key);
  }
  for (const std::string& l : r.removed_leases) g.leases.erase(l);
  for (const std::string& i : r.removed_ingests) g.ingests.erase(i);
}

size_t SnapshotCount(const GcGraph& g) {
  size_t n = 0;
  for (const auto& [snapshotter, snapshots] : g.snapshots) n += snapshots.size();
  return n;
}

std::vector<std::string> ContentKeys(const GcGraph& g) {
  std::vector<std::string> out;
  for (const auto& [d, c] : g.content) out.push_back(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ResourceId> SnapshotIds(const GcGraph& g) {
  std::vector<ResourceId> out;
  for (const auto& [s, snapshots] : g.snapshots) {
    for (const auto& [k, snap] : snapshots) {
      out.push_back(ResourceId::Snapshot(s, k));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ResourceId Ov(const std::string& key) {
  return ResourceId::Snapshot("overlayfs", key);
}

// --- containerd.md §3 "Empirical check" ---------------------------------

TEST(GcEmpirical, DeletingXKeepsTheSharedBase) {
  GcGraph g;
  for (const char* name : {"x", "y", "z"}) {
    AddImage(g, name, {"base", std::string(name) + "-top"});
  }
  ASSERT_EQ(g.content.size(), 10u);
  ASSERT_EQ(SnapshotCount(g), 4u);

  GcResult before = Collect(g, kT0);
  EXPECT_THAT(before.removed_content, IsEmpty());
  EXPECT_THAT(before.removed_snapshots, IsEmpty());

  GcResult r = PredictRemovals(g, {"x"}, kT0);
  EXPECT_THAT(r.removed_content,
              ElementsAreArray(Ds({"x-manifest", "x-config", "x-top"})));
  EXPECT_THAT(r.removed_snapshots, ElementsAre(Ov("chain:base/x-top")));
  EXPECT_FALSE(r.live.contains(ResourceId::Image("x")));
  EXPECT_TRUE(r.live.contains(ResourceId::Content(D("base"))));
  EXPECT_TRUE(r.live.contains(Ov("chain:base")));

  // The prediction is exactly a collection of the graph without x.
  GcGraph without = g;
  without.images.erase("x");
  GcResult real = Collect(without, kT0);
  EXPECT_EQ(real.removed_content, r.removed_content);
  EXPECT_EQ(real.removed_snapshots, r.removed_snapshots);
  EXPECT_EQ(real.live, r.live);

  Apply(without, real);
  EXPECT_EQ(without.content.size(), 7u);
  EXPECT_EQ(SnapshotCount(without), 3u);
  EXPECT_THAT(SnapshotIds(without),
              ElementsAre(Ov("chain:base"), Ov("chain:base/y-top"),
                          Ov("chain:base/z-top")));
}

TEST(GcEmpirical, LeasesFlatLeaseExpiryAndGcRoot) {
  GcGraph g;
  for (const char* name : {"p", "q", "r", "s", "t"}) {
    AddImage(g, name, {"base", std::string(name) + "-top"});
  }
  ASSERT_EQ(g.content.size(), 16u);
  ASSERT_EQ(SnapshotCount(g), 6u);
  g.leases["L1"].resources = {ResourceId::Content(D("p-manifest"))};
  g.leases["L2"].labels[std::string(kLabelFlat)] = "";
  g.leases["L2"].resources = {ResourceId::Content(D("q-manifest"))};
  g.leases["L3"].labels[std::string(kLabelExpire)] =
      Rfc3339(kT0 + absl::Seconds(3));
  g.leases["L3"].resources = {ResourceId::Content(D("r-manifest"))};
  g.content[D("s-config")].labels[std::string(kLabelRoot)] = "";

  // All five image records deleted, one collection before L3 expires.
  g.images.clear();
  GcResult r1 = Collect(g, kT0);
  EXPECT_THAT(r1.removed_content,
              ElementsAreArray(Ds({"q-config", "q-top", "s-manifest", "s-top",
                                   "t-manifest", "t-config", "t-top"})));
  EXPECT_THAT(r1.removed_snapshots,
              ElementsAre(Ov("chain:base/q-top"), Ov("chain:base/t-top")));
  EXPECT_THAT(r1.removed_leases, IsEmpty());
  Apply(g, r1);
  EXPECT_EQ(g.content.size(), 9u);
  EXPECT_EQ(SnapshotCount(g), 4u);

  // After expiry, nothing changes until a collection runs; then r's blobs,
  // its snapshot and the L3 record go.
  GcResult at_expiry = Collect(g, kT0 + absl::Seconds(3));
  EXPECT_THAT(at_expiry.removed_content, IsEmpty());
  GcResult r2 = Collect(g, kT0 + absl::Seconds(4));
  EXPECT_THAT(r2.removed_content,
              ElementsAreArray(Ds({"r-manifest", "r-config", "r-top"})));
  EXPECT_THAT(r2.removed_snapshots, ElementsAre(Ov("chain:base/r-top")));
  EXPECT_THAT(r2.removed_leases, ElementsAre("L3"));
  Apply(g, r2);

  // Removing s's gc.root label frees its config and, through it, its
  // snapshot.
  g.content[D("s-config")].labels.erase(std::string(kLabelRoot));
  GcResult r3 = Collect(g, kT0 + absl::Seconds(5));
  EXPECT_THAT(r3.removed_content, ElementsAreArray(Ds({"s-config"})));
  EXPECT_THAT(r3.removed_snapshots, ElementsAre(Ov("chain:base/s-top")));
  Apply(g, r3);

  // Deleting L2 then L1 brings the store to nothing.
  g.leases.erase("L2");
  GcResult r4 = Collect(g, kT0 + absl::Seconds(6));
  EXPECT_THAT(r4.removed_content, ElementsAreArray(Ds({"q-manifest"})));
  Apply(g, r4);
  g.leases.erase("L1");
  Apply(g, Collect(g, kT0 + absl::Seconds(7)));
  EXPECT_THAT(ContentKeys(g), IsEmpty());
  EXPECT_EQ(SnapshotCount(g), 0u);
}

TEST(GcEmpirical, RetaggedAliasKeepsEverything) {
  GcGraph g;
  AddImage(g, "img900", {"img900-layer"});
  const ImageRecord img900 = g.images["img900"];
  g.images["alias:1"] = img900;

  GcResult one = PredictRemovals(g, {"img900"}, kT0);
  EXPECT_THAT(one.removed_content, IsEmpty());
  EXPECT_THAT(one.removed_snapshots, IsEmpty());

  GcResult both = PredictRemovals(g, {"img900", "alias:1"}, kT0);
  EXPECT_THAT(both.removed_content,
              ElementsAreArray(
                  Ds({"img900-manifest", "img900-config", "img900-layer"})));
  EXPECT_THAT(both.removed_snapshots, ElementsAre(Ov("chain:img900-layer")));
}

TEST(GcEmpirical, ConfigPointsToSeveralSnapshotters) {
  GcGraph g;
  AddImage(g, "a", {"base", "a-top"}, {"native", "overlayfs"});
  EXPECT_THAT(Collect(g, kT0).removed_snapshots, IsEmpty());
  GcResult r = PredictRemovals(g, {"a"}, kT0);
  EXPECT_THAT(r.removed_snapshots,
              ElementsAre(ResourceId::Snapshot("native", "chain:base"),
                          ResourceId::Snapshot("native", "chain:base/a-top"),
                          Ov("chain:base"), Ov("chain:base/a-top")));
  EXPECT_EQ(r.removed_content.size(), 4u);
}

// --- label references -----------------------------------------------------

struct LabelCase {
  std::string name;
  std::string key;
  std::string value;
  std::vector<ResourceId> kept;  // besides the root itself
};

class GcLabelTest : public ::testing::TestWithParam<LabelCase> {};

// A gc.root content blob carries one label; targets of every kind exist.
TEST_P(GcLabelTest, FollowsExactlyContainerdsReferenceLabels) {
  const LabelCase& c = GetParam();
  GcGraph g;
  g.content[D("root")].labels = {{std::string(kLabelRoot), ""},
                                 {c.key, c.value}};
  g.content[D("t")];
  g.snapshots["overlayfs"]["s"];
  g.snapshots["overlayfs.extra"]["s"];
  g.snapshots[""]["s"];

  std::vector<ResourceId> kept = c.kept;
  kept.push_back(ResourceId::Content(D("root")));
  EXPECT_THAT(Collect(g, kT0).live, UnorderedElementsAreArray(kept));
}

INSTANTIATE_TEST_SUITE_P(
    Labels, GcLabelTest,
    ::testing::Values(
        LabelCase{"ContentDotName", "containerd.io/gc.ref.content.config", D("t"),
                  {ResourceId::Content(D("t"))}},
        LabelCase{"ContentSlashName", "containerd.io/gc.ref.content/m", D("t"),
                  {ResourceId::Content(D("t"))}},
        LabelCase{"ContentBare", "containerd.io/gc.ref.content", D("t"),
                  {ResourceId::Content(D("t"))}},
        LabelCase{"ContentGluedNameIgnored", "containerd.io/gc.ref.contentx",
                  D("t"), {}},
        LabelCase{"ContentDeepName", "containerd.io/gc.ref.content.m.1.x", D("t"),
                  {ResourceId::Content(D("t"))}},
        LabelCase{"SnapshotBare", "containerd.io/gc.ref.snapshot.overlayfs", "s",
                  {Ov("s")}},
        LabelCase{"SnapshotSlashSuffix",
                  "containerd.io/gc.ref.snapshot.overlayfs/2", "s", {Ov("s")}},
        LabelCase{"SnapshotDotIsPartOfSnapshotter",
                  "containerd.io/gc.ref.snapshot.overlayfs.extra", "s",
                  {ResourceId::Snapshot("overlayfs.extra", "s")}},
        LabelCase{"SnapshotEmptySnapshotter", "containerd.io/gc.ref.snapshot./x",
                  "s", {ResourceId::Snapshot("", "s")}},
        LabelCase{"SnapshotWithoutDotIgnored", "containerd.io/gc.ref.snapshot",
                  "s", {}},
        LabelCase{"OtherRefKindIgnored", "containerd.io/gc.ref.image", D("t"),
                  {}},
        LabelCase{"UnrelatedLabelIgnored", "containerd.io/uncompressed", D("t"),
                  {}},
        LabelCase{"DanglingContentIgnored",
                  "containerd.io/gc.ref.content.config", D("missing"), {}},
        LabelCase{"DanglingSnapshotIgnored",
                  "containerd.io/gc.ref.snapshot.overlayfs", "missing", {}}),
    [](const ::testing::TestParamInfo<LabelCase>& info) {
      return info.param.name;
    });

TEST(Gc, ImageAndContainerLabelsAreRoots) {
  GcGraph g;
  g.content[D("a")];
  g.content[D("b")];
  g.content[D("c")];
  g.snapshots["overlayfs"]["base"];
  g.snapshots["overlayfs"]["rw"].parent = "base";
  g.snapshots["overlayfs"]["other"];
  g.snapshots["overlayfs"]["unused"];
  g.images["img"].target = D("a");
  g.images["img"].labels["containerd.io/gc.ref.content.extra"] = D("b");
  g.containers["c1"] = {"overlayfs", "rw",
                        {{"containerd.io/gc.ref.snapshot.overlayfs", "other"}}};
  g.containers["c2"] = {"", "unused", {}};  // no snapshotter: no snapshot
  GcResult r = Collect(g, kT0);
  EXPECT_THAT(r.removed_content, ElementsAre(D("c")));
  EXPECT_THAT(r.removed_snapshots, ElementsAre(Ov("unused")));
  EXPECT_TRUE(r.live.contains(ResourceId::Container("c2")));
}

TEST(Gc, CyclesTerminateAndAreCollectedWhenUnrooted) {
  GcGraph g;
  g.content[D("a")].labels["containerd.io/gc.ref.content.n"] = D("b");
  g.content[D("b")].labels["containerd.io/gc.ref.content.n"] = D("a");
  g.content[D("self")].labels["containerd.io/gc.ref.content.n"] = D("self");
  g.snapshots["overlayfs"]["s1"].parent = "s2";
  g.snapshots["overlayfs"]["s2"].parent = "s1";
  g.content[D("b")].labels["containerd.io/gc.ref.snapshot.overlayfs"] = "s1";

  GcResult unrooted = Collect(g, kT0);
  EXPECT_THAT(unrooted.removed_content, ElementsAreArray(Ds({"a", "b", "self"})));
  EXPECT_THAT(unrooted.removed_snapshots, ElementsAre(Ov("s1"), Ov("s2")));

  g.images["i"].target = D("a");
  GcResult rooted = Collect(g, kT0);
  EXPECT_THAT(rooted.removed_content, ElementsAre(D("self")));
  EXPECT_THAT(rooted.removed_snapshots, IsEmpty());
}

TEST(Gc, DanglingEdgesAreIgnoredAndNotLive) {
  GcGraph g;
  g.images["i"].target = D("gone-manifest");
  g.images["j"].target = D("m");
  g.content[D("m")].labels["containerd.io/gc.ref.content.l.0"] = D("gone");
  g.snapshots["overlayfs"]["top"].parent = "gone-parent";
  g.leases["L"].resources = {ResourceId::Content(D("gone2")),
                             Ov("gone3"), ResourceId::Ingest("gone4")};
  g.containers["c"] = {"overlayfs", "top", {}};
  GcResult r = Collect(g, kT0);
  EXPECT_THAT(r.removed_content, IsEmpty());
  EXPECT_THAT(r.removed_snapshots, IsEmpty());
  EXPECT_THAT(r.live, UnorderedElementsAreArray(std::vector<ResourceId>{
                          ResourceId::Image("i"), ResourceId::Image("j"),
                          ResourceId::Content(D("m")), Ov("top"),
                          ResourceId::Container("c"), ResourceId::Lease("L")}));
}

TEST(Gc, DeepChainsDoNotOverflowTheStack) {
  // One chain of 2 * kDepth nodes: blobs linked by gc.ref labels, the last
  // blob naming the top of a chain of snapshot parents.
  constexpr int kDepth = 100000;
  auto name = [](char prefix, int i) {
    std::string s(1, prefix);
    s += std::to_string(i);
    return s;
  };
  GcGraph g;
  for (int i = 0; i < kDepth; ++i) {
    ContentRecord& c = g.content[D(name('n', i))];
    if (i + 1 < kDepth) {
      c.labels["containerd.io/gc.ref.content.next"] = D(name('n', i + 1));
    }
    SnapshotRecord& s = g.snapshots["overlayfs"][name('s', i)];
    if (i + 1 < kDepth) s.parent = name('s', i + 1);
  }
  g.content[D(name('n', kDepth - 1))]
      .labels["containerd.io/gc.ref.snapshot.overlayfs"] = "s0";

  g.images["head"].target = D("n0");
  GcResult kept = Collect(g, kT0);
  EXPECT_THAT(kept.removed_content, IsEmpty());
  EXPECT_THAT(kept.removed_snapshots, IsEmpty());
  EXPECT_EQ(kept.live.size(), 2u * kDepth + 1);

  GcResult gone = PredictRemovals(g, {"head"}, kT0);
  EXPECT_EQ(gone.removed_content.size(), static_cast<size_t>(kDepth));
  EXPECT_EQ(gone.removed_snapshots.size(), static_cast<size_t>(kDepth));
  EXPECT_TRUE(std::is_sorted(gone.removed_content.begin(),
                             gone.removed_content.end()));
}

// --- leases -----------------------------------------------------------------

struct LeaseCase {
  std::string name;
  Labels labels;
  absl::Time now;
  bool lease_kept;
};

class GcLeaseExpiryTest : public ::testing::TestWithParam<LeaseCase> {};

TEST_P(GcLeaseExpiryTest, ExpiredLeasesAndWhatTheyHeldAreCollected) {
  const LeaseCase& c = GetParam();
  GcGraph g;
  g.content[D("held")];
  g.leases["L"] = {c.labels, {ResourceId::Content(D("held"))}};
  EXPECT_EQ(LeaseExpired(c.labels, c.now), !c.lease_kept);
  GcResult r = Collect(g, c.now);
  if (c.lease_kept) {
    EXPECT_THAT(r.removed_leases, IsEmpty());
    EXPECT_THAT(r.removed_content, IsEmpty());
  } else {
    EXPECT_THAT(r.removed_leases, ElementsAre("L"));
    EXPECT_THAT(r.removed_content, ElementsAre(D("held")));
  }
}

Labels Expire(const std::string& v) { return {{std::string(kLabelExpire), v}}; }

INSTANTIATE_TEST_SUITE_P(
    Leases, GcLeaseExpiryTest,
    ::testing::Values(
        LeaseCase{"NoExpiry", {}, kT0, true},
        LeaseCase{"Future", Expire(Rfc3339(kT0 + absl::Seconds(1))), kT0, true},
        LeaseCase{"ExactlyNowIsNotExpired", Expire(Rfc3339(kT0)), kT0, true},
        LeaseCase{"OneNanosecondAfter", Expire(Rfc3339(kT0)),
                  kT0 + absl::Nanoseconds(1), false},
        LeaseCase{"Past", Expire("2001-02-03T04:05:06Z"), kT0, false},
        LeaseCase{"PastWithOffset", Expire("2023-11-14T23:13:19+01:00"), kT0,
                  false},  // 22:13:19Z, one second before kT0
        LeaseCase{"OffsetStillFuture", Expire("2023-11-14T21:13:21-01:00"), kT0,
                  true},  // 22:13:21Z
        LeaseCase{"UnparseableIsIgnored", Expire("yesterday"), kT0, true},
        LeaseCase{"EmptyIsIgnored", Expire(""), kT0, true},
        LeaseCase{"FlatDoesNotAffectExpiry",
                  {{std::string(kLabelFlat), "x"},
                   {std::string(kLabelExpire), "2001-02-03T04:05:06Z"}},
                  kT0, false}),
    [](const ::testing::TestParamInfo<LeaseCase>& info) {
      return info.param.name;
    });

TEST(Gc, FlatLeaseKeepsSnapshotParentsButNotLabels) {
  GcGraph g;
  g.content[D("blob")];
  g.snapshots["overlayfs"]["base"].labels["containerd.io/gc.ref.content.x"] =
      D("blob");
  g.snapshots["overlayfs"]["mid"].parent = "base";
  g.snapshots["overlayfs"]["top"].parent = "mid";
  g.snapshots["overlayfs"]["other"];
  g.snapshots["overlayfs"]["top"]
      .labels["containerd.io/gc.ref.snapshot.overlayfs"] = "other";
  g.leases["L"] = {{{std::string(kLabelFlat), ""}}, {Ov("top")}};
  GcResult flat = Collect(g, kT0);
  EXPECT_THAT(flat.removed_snapshots, ElementsAre(Ov("other")));
  EXPECT_THAT(flat.removed_content, ElementsAre(D("blob")));

  g.leases["L"].labels.clear();
  GcResult full = Collect(g, kT0);
  EXPECT_THAT(full.removed_snapshots, IsEmpty());
  EXPECT_THAT(full.removed_content, IsEmpty());
}

TEST(Gc, FlatAndNormalPathsToOneBlobFollowItsLabels) {
  // The manifest is held flat by a lease and also reached normally from a
  // gc.root blob: its layer must be kept whatever the visiting order.
  for (bool root_first : {true, false}) {
    GcGraph g;
    g.content[D("m")].labels["containerd.io/gc.ref.content.l.0"] = D("layer");
    g.content[D("layer")];
    const std::string root = root_first ? "aaa-root" : "zzz-root";
    g.content[D(root)].labels = {{std::string(kLabelRoot), ""},
                                 {"containerd.io/gc.ref.content.m", D("m")}};
    g.leases["L"] = {{{std::string(kLabelFlat), ""}},
                     {ResourceId::Content(D("m"))}};
    EXPECT_THAT(Collect(g, kT0).removed_content, IsEmpty()) << root;
    g.content.erase(D(root));
    EXPECT_THAT(Collect(g, kT0).removed_content, ElementsAre(D("layer")))
        << root;
  }
}

// --- ingests ----------------------------------------------------------------

struct IngestCase {
  std::string name;
  std::optional<absl::Time> expires_at;
  bool leased;
  bool kept;
};

class GcIngestTest : public ::testing::TestWithParam<IngestCase> {};

TEST_P(GcIngestTest, UnexpiredOrLeasedIngestsKeepTheirExpectedContent) {
  const IngestCase& c = GetParam();
  GcGraph g;
  g.ingests["ref"] = {c.expires_at, D("expected")};
  g.content[D("expected")];
  if (c.leased) g.leases["L"].resources = {ResourceId::Ingest("ref")};
  GcResult r = Collect(g, kT0);
  if (c.kept) {
    EXPECT_THAT(r.removed_ingests, IsEmpty());
    EXPECT_THAT(r.removed_content, IsEmpty());
    EXPECT_TRUE(r.live.contains(ResourceId::Ingest("ref")));
  } else {
    EXPECT_THAT(r.removed_ingests, ElementsAre("ref"));
    EXPECT_THAT(r.removed_content, ElementsAre(D("expected")));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ingests, GcIngestTest,
    ::testing::Values(
        IngestCase{"NoExpiryUnleased", std::nullopt, false, false},
        IngestCase{"NoExpiryLeased", std::nullopt, true, true},
        IngestCase{"Future", kT0 + absl::Seconds(1), false, true},
        IngestCase{"ExactlyNow", kT0, false, true},
        IngestCase{"Expired", kT0 - absl::Nanoseconds(1), false, false},
        IngestCase{"ExpiredButLeased", kT0 - absl::Hours(1), true, true}),
    [](const ::testing::TestParamInfo<IngestCase>& info) {
      return info.param.name;
    });

// --- ParseExpire --------------------------------------------------------------

struct ExpireCase {
  std::string text;
  std::optional<absl::Time> want;
};

class ParseExpireTest : public ::testing::TestWithParam<ExpireCase> {};

TEST_P(ParseExpireTest, ParsesLikeGoRfc3339) {
  const ExpireCase& c = GetParam();
  EXPECT_EQ(ParseExpire(c.text), c.want) << c.text;
}

const absl::Time kExp = absl::FromUnixSeconds(981173106);  // 2001-02-03T04:05:06Z

INSTANTIATE_TEST_SUITE_P(
    Values, ParseExpireTest,
    ::testing::Values(
        ExpireCase{"2001-02-03T04:05:06Z", kExp},
        ExpireCase{"2001-02-03T04:05:06.5Z", kExp + absl::Milliseconds(500)},
        ExpireCase{"2001-02-03T04:05:06,25Z", kExp + absl::Milliseconds(250)},
        ExpireCase{"2001-02-03T04:05:06.123456789Z",
                   kExp + absl::Nanoseconds(123456789)},
        ExpireCase{"2001-02-03T06:05:06+02:00", kExp},
        ExpireCase{"2001-02-03T00:35:06-03:30", kExp},
        ExpireCase{"2001-02-03t04:05:06Z", std::nullopt},
        ExpireCase{"2001-02-03T04:05:06z", std::nullopt},
        ExpireCase{"2001-02-03 04:05:06Z", std::nullopt},
        ExpireCase{"2001-02-03T04:05:06", std::nullopt},
        ExpireCase{"2001-2-03T04:05:06Z", std::nullopt},
        ExpireCase{"2001-02-03T04:05:06.Z", std::nullopt},
        ExpireCase{"2001-02-03T04:05:06+0200", std::nullopt},
        ExpireCase{"2001-02-03T04:05:06Z ", std::nullopt},
        ExpireCase{"2001-02-30T04:05:06Z", std::nullopt},
        ExpireCase{"2001-13-03T04:05:06Z", std::nullopt},
        ExpireCase{"2001-02-03T24:05:06Z", std::nullopt},
        ExpireCase{"2001-02-03T04:05:60Z", std::nullopt},
        ExpireCase{"", std::nullopt},
        ExpireCase{"1", std::nullopt}));

// --- generic Mark and Sweep -------------------------------------------------

using Adjacency = std::map<std::string, std::vector<std::string>>;

// Nodes are the keys of `adj`; any other id is missing.
LiveSet MarkAdjacency(const Adjacency& adj, std::vector<MarkNode> roots,
                      int* expansions) {
  return Mark(std::move(roots), [&](const MarkNode& n, EmitFn emit) {
    ++*expansions;
    auto it = adj.find(n.id.key);
    if (it == adj.end()) return false;
    if (n.flat) return true;  // flat nodes have no edges here
    for (const std::string& k : it->second) {
      emit(MarkNode{ResourceId::Content(k), false});
    }
    return true;
  });
}

TEST(Mark, FlatThenNormalVisitExpandsTheNodeAgain) {
  const Adjacency adj = {{"a", {"b"}}, {"b", {"c"}}, {"c", {}}};
  const MarkNode flat_a{ResourceId::Content("a"), true};
  const MarkNode a{ResourceId::Content("a"), false};
  const std::vector<ResourceId> all = {ResourceId::Content("a"),
                                       ResourceId::Content("b"),
                                       ResourceId::Content("c")};
  int expansions = 0;
  // The stack pops the last root first.
  EXPECT_THAT(MarkAdjacency(adj, {a, flat_a}, &expansions),
              UnorderedElementsAreArray(all));
  EXPECT_EQ(expansions, 4);  // flat a, a, b, c
  expansions = 0;
  EXPECT_THAT(MarkAdjacency(adj, {flat_a, a}, &expansions),
              UnorderedElementsAreArray(all));
  EXPECT_EQ(expansions, 3);  // a, b, c: the flat visit adds nothing
  expansions = 0;
  EXPECT_THAT(MarkAdjacency(adj, {flat_a, flat_a}, &expansions),
              ElementsAre(ResourceId::Content("a")));
  EXPECT_EQ(expansions, 1);
}

TEST(Mark, EachNodeIsExpandedOnceInADiamond) {
  const Adjacency adj = {{"a", {"b", "c"}}, {"b", {"d"}}, {"c", {"d"}},
                         {"d", {"a"}}};
  int expansions = 0;
  LiveSet live = MarkAdjacency(
      adj, {MarkNode{ResourceId::Content("a"), false}}, &expansions);
  EXPECT_EQ(live.size(), 4u);
  EXPECT_EQ(expansions, 4);
}

TEST(Mark, MissingNodesAreLookedUpOnceAndNotLive) {
  const Adjacency adj = {{"a", {"gone", "b", "gone"}}, {"b", {"gone", "a"}}};
  int expansions = 0;
  LiveSet live = MarkAdjacency(
      adj,
      {MarkNode{ResourceId::Content("gone"), false},
       MarkNode{ResourceId::Content("a"), false}},
      &expansions);
  EXPECT_THAT(live, UnorderedElementsAreArray(std::vector<ResourceId>{
                        ResourceId::Content("a"), ResourceId::Content("b")}));
  EXPECT_EQ(expansions, 3);  // a, b and gone once
}

TEST(Sweep, ReturnsTheUnmarkedSortedWithoutDuplicates) {
  LiveSet live = {ResourceId::Content("b"), Ov("k")};
  std::vector<ResourceId> all = {
      ResourceId::Lease("l"), ResourceId::Content("c"), Ov("k"),
      ResourceId::Content("b"), ResourceId::Content("a"),
      ResourceId::Snapshot("native", "k"), ResourceId::Content("c")};
  EXPECT_THAT(Sweep(all, live),
              ElementsAre(ResourceId::Content("a"), ResourceId::Content("c"),
                          ResourceId::Snapshot("native", "k"),
                          ResourceId::Lease("l")));
}

TEST(Roots, FollowContainerdsRules) {
  GcGraph g;
  g.images["i"].target = D("m");
  g.containers["c"];
  g.leases["live"];
  g.leases["old"].labels = Expire("2001-02-03T04:05:06Z");
  g.content[D("r")].labels[std::string(kLabelRoot)] = "false";  // presence
  g.content[D("n")];
  g.snapshots["overlayfs"]["r"].labels[std::string(kLabelRoot)] = "";
  g.snapshots["overlayfs"]["n"];
  g.ingests["fresh"].expires_at = kT0 + absl::Seconds(1);
  g.ingests["stale"].expires_at = kT0 - absl::Seconds(1);
  g.ingests["none"];
  std::vector<ResourceId> ids;
  for (const MarkNode& n : Roots(g, kT0)) {
    EXPECT_FALSE(n.flat);
    ids.push_back(n.id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ElementsAre(ResourceId::Content(D("r")), Ov("r"),
                               ResourceId::Ingest("fresh"),
                               ResourceId::Image("i"),
                               ResourceId::Container("c"),
                               ResourceId::Lease("live")));
}

TEST(Reachable, ShowsWhatOneImageKeepsAlive) {
  GcGraph g;
  AddImage(g, "a", {"base", "a-top"});
  AddImage(g, "b", {"base", "b-top"});
  LiveSet live = Reachable(g, {MarkNode{ResourceId::Image("a"), false}});
  EXPECT_THAT(live, UnorderedElementsAreArray(std::vector<ResourceId>{
                        ResourceId::Image("a"),
                        ResourceId::Content(D("a-manifest")),
                        ResourceId::Content(D("a-config")),
                        ResourceId::Content(D("base")),
                        ResourceId::Content(D("a-top")), Ov("chain:base"),
                        Ov("chain:base/a-top")}));
}

TEST(ResourceIdTest, PrintsAndOrders) {
  EXPECT_EQ(Ov("k").ToString(), "snapshot overlayfs/k");
  EXPECT_EQ(ResourceId::Lease("l").ToString(), "lease l");
  EXPECT_LT(ResourceId::Content("z"), Ov("a"));
  EXPECT_LT(ResourceId::Snapshot("a", "z"), ResourceId::Snapshot("b", "a"));
}

}  // namespace
}  // namespace reclaim::gc
