#include "service/prune/plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "core/timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/prune/inventory_builder_for_test.h"

namespace reclaim {
namespace {

using ::reclaim::prune_testing::InventoryBuilder;
using ::reclaim::prune_testing::kT0;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

const absl::Time kNow = kT0 + absl::Hours(24);
const std::string kC1 = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1";
const std::string kC2 = "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2";

PruneOptions All() {
  PruneOptions o;
  o.dangling_only = false;
  o.now = kNow;
  return o;
}

PruneOptions DanglingOnly() {
  PruneOptions o;
  o.dangling_only = true;
  o.now = kNow;
  return o;
}

PruneOptions FromFilters(const std::vector<std::pair<std::string, std::string>>& kv) {
  FilterArgs args;
  for (const auto& [k, v] : kv) args.Add(k, v);
  absl::StatusOr<PruneOptions> o = ParsePruneOptions(args, kNow, absl::UTCTimeZone());
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *o : PruneOptions{};
}

std::vector<std::string> Pruned(const Plan& plan) { return plan.NamesToDelete(); }

const Decision& Find(const Plan& plan, const std::string& name) {
  for (const Decision& d : plan.decisions) {
    if (d.name == name) return d;
  }
  static const Decision kMissing{"<missing>"};
  ADD_FAILURE() << "no decision for " << name;
  return kMissing;
}

std::string Bb(const std::string& tag) { return "docker.io/library/busybox:" + tag; }

// ---------------------------------------------------------------------------
// prune.md §4.4, every row (`-a`; every image has digest D unless stated).

struct WorkedRow {
  std::string name;
  // Stored names; "{D}" / "{E}" are replaced by the digest strings. Names
  // containing "@E" or ending in ":e-image" point at E, every other at D.
  std::vector<std::string> images;
  // Config.Image of one container whose ImageID is D. "{D}" full digest,
  // "{Dhex}" 64 hex, "{D8}" first 8 hex.
  std::string config_image;
  std::vector<std::string> pruned;
  std::map<std::string, DecisionReason> kept;
};

TEST(PlanPruneTest, WorkedExamples) {
  const auto kId = DecisionReason::kLastTagOfUsedDigest;
  const auto kName = DecisionReason::kUsedByName;
  std::vector<WorkedRow> rows = {
      {"full ID", {Bb("latest")}, "{D}", {}, {{Bb("latest"), kId}}},
      {"64 hex without prefix", {Bb("latest")}, "{Dhex}", {}, {{Bb("latest"), kId}}},
      {"8 hex prefix", {Bb("latest")}, "{D8}", {}, {{Bb("latest"), kId}}},
      {"sha256: + 8 hex prefix", {Bb("latest")}, "sha256:{D8}", {}, {{Bb("latest"), kId}}},
      {"empty Config.Image is a prefix of every ID", {Bb("latest")}, "", {}, {{Bb("latest"), kId}}},
      {"digested reference", {Bb("latest")}, "busybox@{D}", {}, {{Bb("latest"), kId}}},
      {"name+tag+digest", {Bb("latest")}, "busybox:latest@{D}", {}, {{Bb("latest"), kName}}},
      {"plain name", {Bb("latest")}, "busybox", {}, {{Bb("latest"), kName}}},
      {"two tags, full ID", {Bb("latest"), Bb("a")}, "{D}", {Bb("a")}, {{Bb("latest"), kId}}},
      {"two tags, hex", {Bb("latest"), Bb("a")}, "{Dhex}", {Bb("a")}, {{Bb("latest"), kId}}},
      {"two tags, short ID", {Bb("latest"), Bb("a")}, "{D8}", {Bb("a")}, {{Bb("latest"), kId}}},
      {"two tags, digested",
       {Bb("latest"), Bb("a")},
       "busybox@{D}",
       {Bb("a")},
       {{Bb("latest"), kId}}},
      {"two tags, RepoDigest of another repo",
       {Bb("latest"), Bb("a")},
       "other/repo@{D}",
       {Bb("a")},
       {{Bb("latest"), kId}}},
      {"two tags, name+tag+digest",
       {Bb("latest"), Bb("a")},
       "busybox:latest@{D}",
       {Bb("a")},
       {{Bb("latest"), kName}}},
      {"two tags, plain name",
       {Bb("latest"), Bb("a")},
       "busybox",
       {Bb("a")},
       {{Bb("latest"), kName}}},
      {"two tags, busybox:a",
       {Bb("latest"), Bb("a")},
       "busybox:a",
       {Bb("latest")},
       {{Bb("a"), kName}}},
      {"11 tags, full ID",
       {Bb("a"), Bb("e"), Bb("h"), Bb("j"), Bb("o"), Bb("q"), Bb("r"), Bb("s"), Bb("t"), Bb("w"),
        Bb("z")},
       "{D}",
       {Bb("a"), Bb("e"), Bb("h"), Bb("j"), Bb("o"), Bb("q"), Bb("r"), Bb("s"), Bb("t"), Bb("w")},
       {{Bb("z"), kId}}},
      {"dangling record only",
       {"moby-dangling@{D}"},
       "anything",
       {},
       {{"moby-dangling@{D}", DecisionReason::kDanglingRecordInUse}}},
      {"re-pointed alpine",
       {"docker.io/library/alpine:latest@E", "moby-dangling@{D}"},
       "alpine",
       {},
       {{"docker.io/library/alpine:latest", kName},
        {"moby-dangling@{D}", DecisionReason::kDanglingRecordInUse}}},
      {"only the name was used, and it is gone",
       {"docker.io/library/other:1"},
       "alpine",
       {"docker.io/library/other:1"},
       {}},
      {"64 hex is not a name and no ID of another digest",
       {Bb("latest")},
       "0000000000000000000000000000000000000000000000000000000000000000",
       {Bb("latest")},
       {}},
  };
  for (const WorkedRow& row : rows) {
    SCOPED_TRACE(row.name);
    InventoryBuilder b;
    const Descriptor d = b.SimpleImage("busybox");
    const Descriptor e = b.SimpleImage("alpine-new");
    const auto subst = [&](const std::string& s) {
      return absl::StrReplaceAll(s, {{"{D}", d.digest.str()},
                                     {"{Dhex}", std::string(d.digest.hex())},
                                     {"{D8}", std::string(d.digest.hex().substr(0, 8))}});
    };
    for (const std::string& raw : row.images) {
      std::string name = raw;
      Descriptor target = d;
      if (name.ends_with("@E")) {
        name = name.substr(0, name.size() - 2);
        target = e;
      }
      b.Image(subst(name), target);
    }
    b.Container(kC1, subst(row.config_image), d.digest);
    const Plan plan = PlanPrune(b.Build(), All());

    std::vector<std::string> want_pruned;
    for (const std::string& p : row.pruned) want_pruned.push_back(subst(p));
    EXPECT_THAT(Pruned(plan), ElementsAreArray(want_pruned));
    for (const auto& [raw, reason] : row.kept) {
      const Decision& decision = Find(plan, subst(raw));
      EXPECT_FALSE(decision.prune);
      EXPECT_EQ(decision.reason, reason) << DecisionReasonName(decision.reason);
      EXPECT_EQ(decision.container_id, kC1);
    }
    // Every decision is either pruned or has a reason to be kept.
    EXPECT_EQ(plan.decisions.size(), row.images.size());
    for (const Decision& decision : plan.decisions) {
      const bool want =
          std::find(want_pruned.begin(), want_pruned.end(), decision.name) != want_pruned.end();
      EXPECT_EQ(decision.prune, want) << decision.name;
    }
  }
}

TEST(PlanPruneTest, ReasonTexts) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  const Descriptor e = b.SimpleImage("other");
  const Descriptor f = b.SimpleImage("third");
  b.Image(Bb("latest"), d).Image(Bb("a"), d).Image("docker.io/library/other:1", e);
  b.Dangling(f);
  b.Container(kC1, "busybox:a", d.digest);
  b.Container(kC2, "sha256:" + std::string(e.digest.hex().substr(0, 12)), e.digest);
  b.Container("c3", "whatever", f.digest);
  const Plan plan = PlanPrune(b.Build(), All());
  EXPECT_EQ(Find(plan, Bb("a")).text, "used by container c1c1c1c1c1c1 (by name busybox:a)");
  EXPECT_EQ(Find(plan, Bb("latest")).text, "unused (-a)");
  EXPECT_EQ(
      Find(plan, "docker.io/library/other:1").text,
      "last tag of digest " + e.digest.str() + " used by container c2c2c2c2c2c2 (by ID prefix)");
  EXPECT_EQ(Find(plan, "moby-dangling@" + f.digest.str()).text,
            "dangling record of an image container c3 uses");

  InventoryBuilder b2;
  const Descriptor g = b2.SimpleImage("g");
  b2.Image("docker.io/library/g:1", g).Container(kC1, "g@" + g.digest.str(), g.digest);
  const Plan plan2 = PlanPrune(b2.Build(), All());
  EXPECT_EQ(Find(plan2, "docker.io/library/g:1").text,
            "last tag of digest " + g.digest.str() +
                " used by container c1c1c1c1c1c1 (by digest reference)");
}

// ---------------------------------------------------------------------------
// Dangling-only mode.

TEST(PlanPruneTest, DanglingOnly) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("tagged");
  const Descriptor e = b.SimpleImage("dangling");
  const Descriptor f = b.SimpleImage("dangling-used");
  const Descriptor g = b.SimpleImage("digest-only");
  const Descriptor h = b.SimpleImage("mismatched");
  b.Image(Bb("latest"), d);
  b.Dangling(e);
  b.Dangling(f);
  b.Image("docker.io/library/alpine@" + g.digest.str(), g);
  b.Image("moby-dangling@" + d.digest.str(), h);  // named after D but targets H
  b.Container(kC1, f.digest.str(), f.digest);
  const Plan plan = PlanPrune(b.Build(), DanglingOnly());

  EXPECT_THAT(Pruned(plan), ElementsAre("moby-dangling@" + e.digest.str()));
  EXPECT_EQ(Find(plan, Bb("latest")).reason, DecisionReason::kNotDangling);
  EXPECT_EQ(Find(plan, Bb("latest")).text, "not dangling (use -a to prune tagged images)");
  EXPECT_EQ(Find(plan, "docker.io/library/alpine@" + g.digest.str()).reason,
            DecisionReason::kNotDangling);
  EXPECT_EQ(Find(plan, "moby-dangling@" + d.digest.str()).reason, DecisionReason::kNotDangling);
  EXPECT_EQ(Find(plan, "moby-dangling@" + f.digest.str()).reason,
            DecisionReason::kDanglingRecordInUse);
  const Decision& pruned = Find(plan, "moby-dangling@" + e.digest.str());
  EXPECT_EQ(pruned.reason, DecisionReason::kDangling);
  EXPECT_EQ(pruned.text, "dangling image");
  // A dangling record is reported by its digest.
  ASSERT_FALSE(plan.report.images_deleted.empty());
  EXPECT_EQ(plan.report.images_deleted[0], ReportItem::Untagged(e.digest.str()));
}

TEST(PlanPruneTest, DanglingRecordsArePrunedWithAll) {
  InventoryBuilder b;
  const Descriptor e = b.SimpleImage("dangling");
  b.Dangling(e);
  const Plan plan = PlanPrune(b.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre("moby-dangling@" + e.digest.str()));
  EXPECT_EQ(plan.decisions[0].reason, DecisionReason::kDangling);
}

TEST(PlanPruneTest, IsDanglingImage) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("x");
  ImageRecord r;
  r.target = d;
  r.name = "moby-dangling@" + d.digest.str();
  EXPECT_TRUE(IsDanglingImage(r));
  EXPECT_EQ(ImageFamiliarName(r), d.digest.str());
  r.name = "moby-dangling@" + d.digest.str() + "x";
  EXPECT_FALSE(IsDanglingImage(r));
  r.name = "moby-dangling@sha256:0000";
  EXPECT_FALSE(IsDanglingImage(r));
  r.name = "docker.io/library/alpine:3";
  EXPECT_FALSE(IsDanglingImage(r));
  EXPECT_EQ(ImageFamiliarName(r), "alpine:3");
  r.name = "Not/Canonical";
  EXPECT_EQ(ImageFamiliarName(r), "Not/Canonical");
}

// ---------------------------------------------------------------------------
// until (§2.1).

struct UntilCase {
  std::string name;
  std::vector<absl::Time> until;
  absl::Time created;
  bool pruned;
};

TEST(PlanPruneTest, Until) {
  const std::vector<UntilCase> cases = {
      {"equal is not pruned", {kT0}, kT0, false},
      {"one ns before", {kT0}, kT0 - absl::Nanoseconds(1), true},
      {"after", {kT0}, kT0 + absl::Seconds(1), false},
      {"two untils ANDed, both pass", {kT0 + absl::Hours(1), kT0}, kT0 - absl::Seconds(1), true},
      {"two untils ANDed, second fails",
       {kT0 + absl::Hours(1), kT0},
       kT0 + absl::Minutes(30),
       false},
      {"two untils ANDed, first fails",
       {kT0, kT0 + absl::Hours(1)},
       kT0 + absl::Minutes(30),
       false},
  };
  for (const UntilCase& c : cases) {
    SCOPED_TRACE(c.name);
    for (bool dangling : {false, true}) {
      InventoryBuilder b;
      const Descriptor d = b.SimpleImage("x");
      std::string name = "docker.io/library/x:1";
      if (dangling) {
        b.Dangling(d, c.created);
        name = "moby-dangling@" + d.digest.str();
      } else {
        b.Image(name, d, c.created);
      }
      PruneOptions o = dangling ? DanglingOnly() : All();
      o.until = c.until;
      const Plan plan = PlanPrune(b.Build(), o);
      EXPECT_EQ(plan.deletions.size(), c.pruned ? 1u : 0u);
      if (!c.pruned) {
        const Decision& decision = Find(plan, name);
        EXPECT_EQ(decision.reason, DecisionReason::kFilteredByUntil);
        EXPECT_THAT(decision.text, HasSubstr("filtered out by until (created " +
                                             FormatRfc3339Nano(c.created) + " is not before "));
      }
    }
  }
}

TEST(PlanPruneTest, UntilFromFilterUsesRecordCreatedAt) {
  InventoryBuilder b;
  const Descriptor old_image = b.SimpleImage("old");
  const Descriptor new_image = b.SimpleImage("new");
  b.Image("docker.io/library/old:1", old_image, kNow - absl::Hours(48));
  b.Image("docker.io/library/new:1", new_image, kNow - absl::Hours(1));
  const Plan plan = PlanPrune(b.Build(), FromFilters({{"dangling", "false"}, {"until", "24h"}}));
  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/old:1"));
  EXPECT_EQ(Find(plan, "docker.io/library/new:1").text,
            "filtered out by until (created " + FormatRfc3339Nano(kNow - absl::Hours(1)) +
                " is not before " + FormatRfc3339Nano(kNow - absl::Hours(24)) + ")");
}

// ---------------------------------------------------------------------------
// label / label! (§2.2) over images with various configs.

struct LabelRow {
  std::vector<std::pair<std::string, std::string>> filters;
  std::set<std::string> pruned;  // short names
};

TEST(PlanPruneTest, LabelFilters) {
  InventoryBuilder b;
  // a: k=v.  b: no k.  c: two platforms, k=w and k=v.  d: index whose only
  // manifest is absent (no present config).  e: a plain config without k plus
  // an attestation manifest whose config has k=v.  f: walk failed.  g: k="".
  // h: config absent.  ab: a=1,b=1.  onlya: a=1.  onlyb: b=1.
  b.Image("docker.io/library/a:1", b.SimpleImage("a", {{"k", "v"}}));
  b.Image("docker.io/library/b:1", b.SimpleImage("b", {{"other", "x"}}));
  {
    const Descriptor m1 = b.SimpleImage("c-amd64", {{"k", "w"}});
    const Descriptor m2 = b.SimpleImage("c-arm64", {{"k", "v"}});
    b.Image("docker.io/library/c:1", b.Index("c", {m1, m2}));
  }
  {
    const Descriptor m = b.SimpleImage("d-amd64", {{"k", "v"}});
    b.Absent(m);
    b.Image("docker.io/library/d:1", b.Index("d", {m}));
  }
  {
    const Descriptor m = b.SimpleImage("e-amd64", {});
    const Descriptor att = InventoryBuilder::AsAttestation(b.SimpleImage("e-att", {{"k", "v"}}));
    b.Image("docker.io/library/e:1", b.Index("e", {m, att}));
  }
  b.Image("docker.io/library/f:1", b.SimpleImage("f", {{"k", "v"}}));
  b.WalkError("docker.io/library/f:1", absl::DataLossError("corrupt config"));
  b.Image("docker.io/library/g:1", b.SimpleImage("g", {{"k", ""}}));
  {
    const Descriptor layer = b.Layer("h-layer");
    const Descriptor config = b.Config("h", {{"k", "v"}}, {layer});
    b.Absent(config);
    b.Image("docker.io/library/h:1", b.Manifest("h", config, {layer}));
  }
  b.Image("docker.io/library/ab:1", b.SimpleImage("ab", {{"a", "1"}, {"b", "1"}}));
  b.Image("docker.io/library/onlya:1", b.SimpleImage("onlya", {{"a", "1"}}));
  b.Image("docker.io/library/onlyb:1", b.SimpleImage("onlyb", {{"b", "1"}}));
  const Inventory inv = b.Build();

  const std::set<std::string> no_k = {"b", "e", "ab", "onlya", "onlyb"};
  auto with = [](std::set<std::string> s, std::initializer_list<std::string> more) {
    s.insert(more.begin(), more.end());
    return s;
  };
  const std::vector<LabelRow> rows = {
      {{{"label", "k"}}, {"a", "c", "g"}},
      {{{"label", "k=v"}}, {"a", "c"}},
      {{{"label", "k="}}, {"g"}},
      {{{"label", "k!"}}, no_k},
      {{{"label!", "k"}}, no_k},
      {{{"label", "k!=v"}}, with(no_k, {"c", "g"})},
      {{{"label!", "k=v"}}, with(no_k, {"c", "g"})},
      {{{"label!", "k!=v"}}, {"a", "c"}},
      {{{"label", "k"}, {"label!", "k=v"}}, {"c", "g"}},
      {{{"label!", "a"}, {"label!", "b"}}, {"a", "b", "c", "e", "g"}},
      {{{"label", "a"}, {"label", "b"}}, {"ab"}},
      {{{"label", "nothing"}}, {}},
  };
  for (const LabelRow& row : rows) {
    std::string trace;
    for (const auto& [k, v] : row.filters) trace += k + "=" + v + " ";
    SCOPED_TRACE(trace);
    auto filters = row.filters;
    filters.push_back({"dangling", "false"});
    const Plan plan = PlanPrune(inv, FromFilters(filters));
    std::set<std::string> got;
    for (const std::string& n : Pruned(plan)) {
      got.insert(n.substr(std::string("docker.io/library/").size(),
                          n.size() - std::string("docker.io/library/").size() - 2));
    }
    EXPECT_EQ(got, row.pruned);
    for (const Decision& decision : plan.decisions) {
      if (!decision.prune) {
        EXPECT_EQ(decision.reason, DecisionReason::kFilteredByLabel) << decision.name;
        EXPECT_THAT(decision.text, HasSubstr("filtered out by label"));
      }
    }
    // Images without a present config and the failed walk never match.
    EXPECT_EQ(Find(plan, "docker.io/library/d:1").text,
              "filtered out by label (no present image config)");
    EXPECT_EQ(Find(plan, "docker.io/library/h:1").text,
              "filtered out by label (no present image config)");
    EXPECT_EQ(Find(plan, "docker.io/library/f:1").text,
              "filtered out by label (walk failed: corrupt config)");
    EXPECT_THAT(plan.errors, IsEmpty());
  }
}

// ---------------------------------------------------------------------------
// Keep-last-tag and digestRefCount (§4.3).

TEST(PlanPruneTest, DigestRefCountCountsNameProtectedImages) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  b.Image(Bb("a"), d).Image(Bb("latest"), d).Image(Bb("z"), d);
  b.Container(kC1, "busybox", d.digest);       // protects :latest by name
  b.Container(kC2, d.digest.str(), d.digest);  // marks D used
  const Plan plan = PlanPrune(b.Build(), All());
  // Count 3: a (3 > 1) and z (2 > 1) are pruned; latest keeps the content.
  EXPECT_THAT(Pruned(plan), ElementsAre(Bb("a"), Bb("z")));
  EXPECT_EQ(Find(plan, Bb("latest")).reason, DecisionReason::kUsedByName);
  // No blob of D vanishes: latest still holds it.
  EXPECT_THAT(plan.predicted_removed_blobs, IsEmpty());
  EXPECT_EQ(plan.report.space_reclaimed, 0u);
  EXPECT_THAT(plan.report.images_deleted,
              ElementsAre(ReportItem::Untagged("busybox:a"), ReportItem::Untagged("busybox:z")));
}

TEST(PlanPruneTest, DigestRefCountCountsFilteredImages) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  b.Image(Bb("a"), d, kT0 - absl::Hours(1));
  b.Image(Bb("latest"), d, kT0 + absl::Hours(1));  // not a candidate
  b.Container(kC1, d.digest.str(), d.digest);
  PruneOptions o = All();
  o.until = {kT0};
  const Plan plan = PlanPrune(b.Build(), o);
  EXPECT_THAT(Pruned(plan), ElementsAre(Bb("a")));
  EXPECT_EQ(Find(plan, Bb("latest")).reason, DecisionReason::kFilteredByUntil);
}

TEST(PlanPruneTest, DigestRefCountCountsNonDanglingInDanglingOnlyMode) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  b.Image(Bb("latest"), d).Dangling(d);
  b.Container(kC1, d.digest.str(), d.digest);
  const Plan plan = PlanPrune(b.Build(), DanglingOnly());
  // The dangling record is protected by rule 1 anyway.
  EXPECT_THAT(Pruned(plan), IsEmpty());
}

TEST(PlanPruneTest, UnusedDigestIsNeverProtectedByKeepLastTag) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  b.Image(Bb("a"), d).Image(Bb("b"), d);
  const Plan plan = PlanPrune(b.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre(Bb("a"), Bb("b")));
}

TEST(PlanPruneTest, KeepLastTagUsesByteWiseOrder) {
  InventoryBuilder b;
  const Descriptor d = b.SimpleImage("busybox");
  // 'Z' (0x5a) < 'a' (0x61) < '\xc3' byte-wise; names need not be canonical.
  b.Image("x/Z", d).Image("x/a", d).Image("x/\xc3\xa9", d);
  b.Container(kC1, d.digest.str(), d.digest);
  const Plan plan = PlanPrune(b.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre("x/Z", "x/a"));
  EXPECT_EQ(Find(plan, "x/\xc3\xa9").reason, DecisionReason::kLastTagOfUsedDigest);
}

// ---------------------------------------------------------------------------
// Walk errors.

TEST(PlanPruneTest, WalkErrorSkipsOnlyThatImage) {
  InventoryBuilder b;
  const Descriptor a = b.SimpleImage("a");
  const Descriptor c = b.SimpleImage("c");
  b.Image("docker.io/library/a:1", a).Image("docker.io/library/c:1", c);
  b.WalkError("docker.io/library/a:1", absl::DataLossError("bad manifest"));
  const Plan plan = PlanPrune(b.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/c:1"));
  const Decision& failed = Find(plan, "docker.io/library/a:1");
  EXPECT_EQ(failed.reason, DecisionReason::kWalkFailed);
  EXPECT_EQ(failed.text, "walk failed: bad manifest");
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_EQ(plan.errors[0].name, "docker.io/library/a:1");
  EXPECT_EQ(plan.errors[0].status, absl::DataLossError("bad manifest"));
  EXPECT_EQ(plan.report.errors, plan.errors);
  // a's record stays, so none of its blobs vanish.
  EXPECT_FALSE(plan.predicted_removed_blobs.contains(a.digest));
  EXPECT_TRUE(plan.predicted_removed_blobs.contains(c.digest));
}

// ---------------------------------------------------------------------------
// Byte accounting.

TEST(PlanPruneTest, SharedWithKeptImageIsNotCounted) {
  InventoryBuilder b;
  const Descriptor shared = b.Layer("shared", 4000);
  const Descriptor la = b.Layer("la", 200);
  const Descriptor lk = b.Layer("lk", 300);
  const Descriptor ca = b.Config("a", {}, {shared, la}, 11);
  const Descriptor ck = b.Config("k", {}, {shared, lk}, 12);
  const Descriptor ma = b.Manifest("a", ca, {shared, la}, 51);
  const Descriptor mk = b.Manifest("k", ck, {shared, lk}, 52);
  const std::vector<std::string> chains_a = b.ChainIds(ca);
  const std::vector<std::string> chains_k = b.ChainIds(ck);
  ASSERT_EQ(chains_a[0], chains_k[0]);  // the base snapshot is shared
  b.SnapshotSize(chains_a[0], 40000).SnapshotSize(chains_a[1], 2000);
  b.Image("docker.io/library/a:1", ma).Image("docker.io/library/k:1", mk);
  b.Container(kC1, "k:1", mk.digest);
  const Plan plan = PlanPrune(b.Build(), All());

  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/a:1"));
  EXPECT_THAT(
      plan.report.images_deleted,
      ElementsAre(ReportItem::Untagged("a:1"), ReportItem::Deleted(ma.digest.str()),
                  ReportItem::Deleted(ca.digest.str()), ReportItem::Deleted(la.digest.str())));
  EXPECT_EQ(plan.report.space_reclaimed, 51u + 11u + 200u + 2000u);
  EXPECT_THAT(plan.predicted_removed_blobs,
              UnorderedElementsAreArray({ma.digest, ca.digest, la.digest}));
  EXPECT_THAT(plan.predicted_removed_snapshots, ElementsAre(chains_a[1]));
  const Decision& a = Find(plan, "docker.io/library/a:1");
  EXPECT_THAT(a.deleted_blobs, ElementsAre(ma.digest, ca.digest, la.digest));
  EXPECT_THAT(a.deleted_snapshots, ElementsAre(chains_a[1]));
  EXPECT_EQ(a.reclaimed_bytes, plan.report.space_reclaimed);
  EXPECT_THAT(plan.other_collectable_blobs, IsEmpty());
  EXPECT_THAT(plan.other_collectable_snapshots, IsEmpty());
}

TEST(PlanPruneTest, SharedBetweenPrunedImagesIsCountedOnceUnderTheLast) {
  InventoryBuilder b;
  const Descriptor p = b.Layer("p", 1000);
  const Descriptor la = b.Layer("la", 200);
  const Descriptor lb = b.Layer("lb", 300);
  const Descriptor lc = b.Layer("lc", 400);
  const Descriptor ca = b.Config("a", {}, {p, la}, 11);
  const Descriptor cb = b.Config("b", {}, {p, lb}, 12);
  const Descriptor cc = b.Config("c", {}, {lc, p}, 13);
  const Descriptor ma = b.Manifest("a", ca, {p, la}, 51);
  const Descriptor mb = b.Manifest("b", cb, {p, lb}, 52);
  const Descriptor mc = b.Manifest("c", cc, {lc, p}, 53);
  const std::vector<std::string> chains_a = b.ChainIds(ca);
  const std::vector<std::string> chains_b = b.ChainIds(cb);
  const std::vector<std::string> chains_c = b.ChainIds(cc);
  b.SnapshotSize(chains_a[0], 10000)
      .SnapshotSize(chains_a[1], 2000)
      .SnapshotSize(chains_b[1], 3000)
      .SnapshotSize(chains_c[0], 4000)
      .SnapshotSize(chains_c[1], 5000);
  b.Image("docker.io/library/b:1", mb).Image("docker.io/library/a:1", ma);
  b.Image("docker.io/library/c:1", mc);
  // c shares the layer blob p but not its snapshot (p is its second layer).
  const Plan plan = PlanPrune(b.Build(), All());

  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/a:1", "docker.io/library/b:1",
                                        "docker.io/library/c:1"));
  EXPECT_THAT(
      plan.report.images_deleted,
      ElementsAre(ReportItem::Untagged("a:1"), ReportItem::Deleted(ma.digest.str()),
                  ReportItem::Deleted(ca.digest.str()), ReportItem::Deleted(la.digest.str()),
                  ReportItem::Untagged("b:1"), ReportItem::Deleted(mb.digest.str()),
                  ReportItem::Deleted(cb.digest.str()), ReportItem::Deleted(lb.digest.str()),
                  ReportItem::Untagged("c:1"), ReportItem::Deleted(mc.digest.str()),
                  ReportItem::Deleted(cc.digest.str()), ReportItem::Deleted(lc.digest.str()),
                  ReportItem::Deleted(p.digest.str())));
  const uint64_t blobs = 51 + 11 + 200 + 52 + 12 + 300 + 53 + 13 + 400 + 1000;
  const uint64_t snapshots = 10000 + 2000 + 3000 + 4000 + 5000;
  EXPECT_EQ(plan.report.space_reclaimed, blobs + snapshots);
  // The shared base snapshot of a and b goes to b, the last holding it.
  EXPECT_THAT(Find(plan, "docker.io/library/a:1").deleted_snapshots, ElementsAre(chains_a[1]));
  EXPECT_THAT(Find(plan, "docker.io/library/b:1").deleted_snapshots,
              ElementsAre(chains_b[0], chains_b[1]));
  EXPECT_EQ(Find(plan, "docker.io/library/a:1").reclaimed_bytes, 51u + 11u + 200u + 2000u);
  EXPECT_EQ(Find(plan, "docker.io/library/b:1").reclaimed_bytes, 52u + 12u + 300u + 10000u + 3000u);
  EXPECT_EQ(Find(plan, "docker.io/library/c:1").reclaimed_bytes,
            53u + 13u + 400u + 1000u + 4000u + 5000u);
}

TEST(PlanPruneTest, DuplicatesInTheWalkAreListedAndCountedOnce) {
  InventoryBuilder b;
  const Descriptor m = b.SimpleImage("m");
  const Descriptor index = b.Index("dup", {m, m}, 70);
  b.Dangling(index);
  const Inventory inv = b.Build();
  ASSERT_EQ(inv.images[0].descriptors().size(), 7u);  // index + 2 x (manifest, config, layer)
  const Plan plan = PlanPrune(inv, DanglingOnly());
  ASSERT_EQ(plan.report.images_deleted.size(), 5u);
  EXPECT_EQ(plan.report.images_deleted[0], ReportItem::Untagged(index.digest.str()));
  EXPECT_EQ(plan.report.images_deleted[1], ReportItem::Deleted(index.digest.str()));
  EXPECT_EQ(plan.report.images_deleted[2], ReportItem::Deleted(m.digest.str()));
  // index 70 + manifest 50 + config 10 + layer 100 + one snapshot 1000.
  EXPECT_EQ(plan.report.space_reclaimed, 70u + 50u + 10u + 100u + 1000u);
}

TEST(PlanPruneTest, OtherCollectableIsListedButNotCounted) {
  InventoryBuilder b;
  const Descriptor a = b.SimpleImage("a");
  b.Image("docker.io/library/a:1", a);
  b.Orphan("leftover", 777);
  const Descriptor leftover = b.Other("leftover", 777);
  const Plan plan = PlanPrune(b.Build(), All());
  ASSERT_EQ(plan.other_collectable_blobs.size(), 1u);
  EXPECT_EQ(plan.other_collectable_blobs[0].digest, leftover.digest.str());
  EXPECT_EQ(plan.other_collectable_blobs[0].size, 777);
  EXPECT_TRUE(plan.predicted_removed_blobs.contains(leftover.digest));
  EXPECT_EQ(plan.report.space_reclaimed, 50u + 10u + 100u + 1000u);
  for (const ReportItem& item : plan.report.images_deleted) {
    EXPECT_NE(item.deleted, leftover.digest.str());
  }
}

TEST(PlanPruneTest, NothingToPrune) {
  InventoryBuilder b;
  b.Image(Bb("latest"), b.SimpleImage("x"));
  const Plan plan = PlanPrune(b.Build(), DanglingOnly());
  EXPECT_THAT(plan.deletions, IsEmpty());
  EXPECT_EQ(plan.report, Report{});
  EXPECT_EQ(ReportJson(plan.report), R"({"ImagesDeleted":null,"SpaceReclaimed":0})");
}

// ---------------------------------------------------------------------------
// Shared walks, and a plan from an inventory given up.

void ExpectSamePlan(const Plan& got, const Plan& want) {
  EXPECT_EQ(got.decisions, want.decisions);
  EXPECT_EQ(got.deletions, want.deletions);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.blob_sizes, want.blob_sizes);
  EXPECT_EQ(got.snapshot_sizes, want.snapshot_sizes);
  EXPECT_EQ(got.predicted_removed_blobs, want.predicted_removed_blobs);
  EXPECT_EQ(got.predicted_removed_snapshots, want.predicted_removed_snapshots);
  EXPECT_EQ(got.other_collectable_blobs, want.other_collectable_blobs);
  EXPECT_EQ(got.other_collectable_snapshots, want.other_collectable_snapshots);
  EXPECT_EQ(got.snapshot_label_releases, want.snapshot_label_releases);
  EXPECT_EQ(got.report, want.report);
}

// Images of one target share the first one's walk, as GatherInventory's do.
Inventory WithSharedWalks(Inventory inv) {
  std::map<Digest, std::shared_ptr<const TargetWalk>> first;
  for (ImageInventory& image : inv.images) {
    auto [it, inserted] = first.try_emplace(image.record.target.digest, image.walk);
    image.walk = it->second;
  }
  return inv;
}

// Three names of one image, one of them used by a container, a second image
// sharing a layer, a dangling record, a walk failure and an absent layer.
Inventory MixedInventory() {
  InventoryBuilder b;
  const Descriptor shared = b.Layer("shared", 4000);
  const Descriptor la = b.Layer("la", 200);
  const Descriptor lb = b.Layer("lb", 300);
  const Descriptor ca = b.Config("a", {{"team", "x"}}, {shared, la}, 11);
  const Descriptor cb = b.Config("b", {}, {shared, lb}, 12);
  const Descriptor ma = b.Manifest("a", ca, {shared, la}, 51);
  const Descriptor mb = b.Manifest("b", cb, {shared, lb}, 52);
  b.Absent(lb);
  b.Image("docker.io/library/a:1", ma)
      .Image("docker.io/library/a:2", ma)
      .Image("docker.io/library/a:3", ma)
      .Image("docker.io/library/b:1", mb)
      .Image("docker.io/library/w:1", b.SimpleImage("w"))
      .Dangling(b.SimpleImage("d"));
  b.WalkError("docker.io/library/w:1", absl::DataLossError("walk"));
  b.Container(kC1, "a:2", ma.digest);
  return b.Build();
}

TEST(PlanPruneTest, DeletionsOfOneWalkShareTheirListsAndPlanAlike) {
  const Inventory separate = MixedInventory();
  const Inventory shared = WithSharedWalks(separate);
  for (const PruneOptions& options :
       {All(), DanglingOnly(), FromFilters({{"label", "team=x"}, {"dangling", "false"}})}) {
    const Plan want = PlanPrune(separate, options);
    const Plan got = PlanPrune(shared, options);
    ExpectSamePlan(got, want);
  }
  const Plan plan = PlanPrune(shared, All());
  const std::vector<std::string> pruned = Pruned(plan);
  ASSERT_EQ(pruned.size(), 4u);  // a:1, a:3, b:1 and the dangling record
  EXPECT_THAT(
      std::vector<std::string>(pruned.begin(), pruned.begin() + 3),
      ElementsAre("docker.io/library/a:1", "docker.io/library/a:3", "docker.io/library/b:1"));
  EXPECT_EQ(plan.deletions[0].blobs.get(), plan.deletions[1].blobs.get());
  EXPECT_EQ(plan.deletions[0].chain_ids.get(), plan.deletions[1].chain_ids.get());
  EXPECT_NE(plan.deletions[0].blobs.get(), plan.deletions[2].blobs.get());
  // a:2 stays (its container), so the blobs of a go with nobody; `shared`
  // goes with nobody either. b:1 gets its manifest and config.
  EXPECT_THAT(Find(plan, "docker.io/library/a:3").deleted_blobs, IsEmpty());
}

TEST(PlanPruneTest, AGivenUpInventoryGivesTheSamePlan) {
  for (const Inventory& inv : {MixedInventory(), WithSharedWalks(MixedInventory())}) {
    for (const PruneOptions& options : {All(), DanglingOnly(), FromFilters({{"label", "team"}})}) {
      const Plan want = PlanPrune(inv, options);
      Inventory copy = inv;
      const Plan got = PlanPrune(std::move(copy), options);
      ExpectSamePlan(got, want);
      EXPECT_TRUE(copy.images.empty());
      EXPECT_TRUE(copy.graph.content.empty());
    }
  }
}

TEST(PlanPruneTest, ImagesWithoutAWalkHaveNothingPresent) {
  InventoryBuilder b;
  b.Image("docker.io/library/a:1", b.SimpleImage("a"));
  Inventory inv = b.Build();
  inv.images[0].walk = nullptr;
  EXPECT_THAT(inv.images[0].descriptors(), IsEmpty());
  EXPECT_THAT(inv.images[0].configs(), IsEmpty());
  EXPECT_THAT(inv.images[0].chain_ids(), IsEmpty());
  const Plan plan = PlanPrune(inv, All());
  ASSERT_THAT(Pruned(plan), ElementsAre("docker.io/library/a:1"));
  ASSERT_NE(plan.deletions[0].blobs, nullptr);
  EXPECT_THAT(*plan.deletions[0].blobs, IsEmpty());
  EXPECT_THAT(plan.report.images_deleted, ElementsAre(ReportItem::Untagged("a:1")));
  // With a label filter such an image has no config: never a match.
  const Plan filtered = PlanPrune(inv, FromFilters({{"label", "x"}, {"dangling", "false"}}));
  EXPECT_EQ(Find(filtered, "docker.io/library/a:1").reason, DecisionReason::kFilteredByLabel);
  EXPECT_THAT(Find(filtered, "docker.io/library/a:1").text, HasSubstr("no present image config"));
}

// ---------------------------------------------------------------------------
// BuildReport.

struct TwoImages {
  Inventory inventory;
  Descriptor p, la, lb, ca, cb, ma, mb;
  std::vector<std::string> chains_a, chains_b;
};

TwoImages MakeTwoImages() {
  InventoryBuilder b;
  TwoImages t;
  t.p = b.Layer("p", 1000);
  t.la = b.Layer("la", 200);
  t.lb = b.Layer("lb", 300);
  t.ca = b.Config("a", {}, {t.p, t.la}, 11);
  t.cb = b.Config("b", {}, {t.p, t.lb}, 12);
  t.ma = b.Manifest("a", t.ca, {t.p, t.la}, 51);
  t.mb = b.Manifest("b", t.cb, {t.p, t.lb}, 52);
  t.chains_a = b.ChainIds(t.ca);
  t.chains_b = b.ChainIds(t.cb);
  b.Image("docker.io/library/a:1", t.ma).Image("docker.io/library/b:1", t.mb);
  t.inventory = b.Build();
  return t;
}

TEST(BuildReportTest, AsPredictedEqualsThePlan) {
  const TwoImages t = MakeTwoImages();
  const Plan plan = PlanPrune(t.inventory, All());
  std::vector<ImageDeletion> outcome;
  for (const std::string& n : plan.NamesToDelete()) outcome.push_back({n, absl::OkStatus()});
  EXPECT_EQ(
      BuildReport(plan, outcome, plan.predicted_removed_blobs, plan.predicted_removed_snapshots),
      plan.report);
  // NotFound counts as deleted.
  outcome[0].status = absl::NotFoundError("image not found");
  EXPECT_EQ(
      BuildReport(plan, outcome, plan.predicted_removed_blobs, plan.predicted_removed_snapshots),
      plan.report);
}

TEST(BuildReportTest, AttributingAgainGivesThePlansReport) {
  for (const Inventory& inv : {MakeTwoImages().inventory, WithSharedWalks(MixedInventory())}) {
    const Plan plan = PlanPrune(inv, All());
    std::vector<ImageDeletion> outcome;
    for (const std::string& n : plan.NamesToDelete()) outcome.push_back({n, absl::OkStatus()});
    // An outcome in another order is not taken as "as planned": the report is
    // attributed again, and must come out the same.
    std::reverse(outcome.begin(), outcome.end());
    EXPECT_EQ(
        BuildReport(plan, outcome, plan.predicted_removed_blobs, plan.predicted_removed_snapshots),
        plan.report);
  }
}

TEST(BuildReportTest, FromABatchResult) {
  const TwoImages t = MakeTwoImages();
  const Plan plan = PlanPrune(t.inventory, All());
  ASSERT_FALSE(plan.predicted_removed_snapshots.empty());
  BatchDeleteResult batch;
  for (const std::string& n : plan.NamesToDelete()) {
    batch.deletions.push_back({n, absl::OkStatus()});
  }
  for (const Digest& d : plan.predicted_removed_blobs) {
    batch.collected.removed_content.push_back(ContentInfo{d, 1});
  }
  for (const std::string& key : plan.predicted_removed_snapshots) {
    batch.collected.removed_snapshots.push_back(SnapshotUsage{"overlayfs", key});
    batch.collected.removed_snapshots.push_back(SnapshotUsage{"other", "not-ours"});
  }
  struct Case {
    std::string name;
    std::function<void(BatchDeleteResult&)> change;
    std::string snapshotter;
  };
  const std::vector<Case> cases = {
      {"as planned", [](BatchDeleteResult&) {}, "overlayfs"},
      {"any snapshotter", [](BatchDeleteResult&) {}, ""},
      {"one failed",
       [](BatchDeleteResult& b) { b.deletions[0].status = absl::UnavailableError("locked"); },
       "overlayfs"},
      {"one blob less", [](BatchDeleteResult& b) { b.collected.removed_content.pop_back(); },
       "overlayfs"},
      {"unsorted removals",
       [](BatchDeleteResult& b) {
         std::reverse(b.collected.removed_content.begin(), b.collected.removed_content.end());
       },
       "overlayfs"},
      // Our snapshot stays; another snapshotter's of the same key goes.
      {"same key, other snapshotter",
       [](BatchDeleteResult& b) {
         b.collected.removed_snapshots.front().snapshotter = "other";
       },
       "overlayfs"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    BatchDeleteResult b = batch;
    c.change(b);
    std::set<Digest> blobs;
    for (const ContentInfo& info : b.collected.removed_content) blobs.insert(info.digest);
    std::set<std::string> chains;
    for (const SnapshotUsage& s : b.collected.removed_snapshots) {
      if (c.snapshotter.empty() || s.snapshotter == c.snapshotter) chains.insert(s.key);
    }
    EXPECT_EQ(BuildReport(plan, b, c.snapshotter), BuildReport(plan, b.deletions, blobs, chains));
  }
  EXPECT_EQ(BuildReport(plan, batch, "overlayfs"), plan.report);
  BatchDeleteResult failed = batch;
  failed.deletions[1].status = absl::UnavailableError("locked");
  EXPECT_NE(BuildReport(plan, failed, "overlayfs"), plan.report);
  BatchDeleteResult other = batch;
  other.collected.removed_snapshots.front().snapshotter = "other";
  EXPECT_NE(BuildReport(plan, other, "overlayfs"), plan.report);
  EXPECT_EQ(BuildReport(plan, other, ""), plan.report);
}

TEST(BuildReportTest, AnOutcomeOfOtherNamesIsNotTakenAsPlanned) {
  const TwoImages t = MakeTwoImages();
  const Plan plan = PlanPrune(t.inventory, All());
  ASSERT_EQ(plan.deletions.size(), 2u);
  // As many deletions as planned, all OK, but b:1 was not among them.
  const std::vector<ImageDeletion> outcome = {{"docker.io/library/a:1", absl::OkStatus()},
                                              {"docker.io/library/zz:1", absl::OkStatus()}};
  const Report r = BuildReport(plan, outcome, plan.predicted_removed_blobs,
                               plan.predicted_removed_snapshots);
  EXPECT_NE(r, plan.report);
  EXPECT_EQ(r.images_deleted.front(), ReportItem::Untagged("a:1"));
  for (const ReportItem& item : r.images_deleted) EXPECT_NE(item.untagged, "b:1");
}

TEST(BuildReportTest, FailedDeletionHasNoEntryAndItsErrorIsKept) {
  const TwoImages t = MakeTwoImages();
  const Plan plan = PlanPrune(t.inventory, All());
  const std::vector<ImageDeletion> outcome = {
      {"docker.io/library/b:1", absl::OkStatus()},
      {"docker.io/library/a:1", absl::UnavailableError("database is locked")},
  };
  // a stays, so p and the base snapshot stay too.
  const std::set<Digest> removed = {t.mb.digest, t.cb.digest, t.lb.digest};
  const std::set<std::string> removed_chains = {t.chains_b[1]};
  const Report r = BuildReport(plan, outcome, removed, removed_chains);
  EXPECT_THAT(
      r.images_deleted,
      ElementsAre(ReportItem::Untagged("b:1"), ReportItem::Deleted(t.mb.digest.str()),
                  ReportItem::Deleted(t.cb.digest.str()), ReportItem::Deleted(t.lb.digest.str())));
  EXPECT_EQ(r.space_reclaimed, 52u + 12u + 300u + 1000u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].name, "docker.io/library/a:1");
  EXPECT_EQ(r.errors[0].status, absl::UnavailableError("database is locked"));
}

TEST(BuildReportTest, WhatReallyVanishedIsAttributedAmongDeletedImages) {
  const TwoImages t = MakeTwoImages();
  const Plan plan = PlanPrune(t.inventory, All());
  // Only a was attempted (e.g. cancelled before b); p vanished anyway.
  const std::vector<ImageDeletion> outcome = {{"docker.io/library/a:1", absl::OkStatus()}};
  const std::set<Digest> removed = {t.ma.digest, t.p.digest, t.mb.digest};
  const Report r = BuildReport(plan, outcome, removed, {});
  EXPECT_THAT(r.images_deleted,
              ElementsAre(ReportItem::Untagged("a:1"), ReportItem::Deleted(t.ma.digest.str()),
                          ReportItem::Deleted(t.p.digest.str())));
  EXPECT_EQ(r.space_reclaimed, 51u + 1000u);
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST(BuildReportTest, ErrorsIncludeWalkFailuresSortedByName) {
  InventoryBuilder b;
  b.Image("docker.io/library/a:1", b.SimpleImage("a"));
  b.Image("docker.io/library/b:1", b.SimpleImage("b"));
  b.Image("docker.io/library/c:1", b.SimpleImage("c"));
  b.WalkError("docker.io/library/b:1", absl::DataLossError("walk"));
  const Plan plan = PlanPrune(b.Build(), All());
  const std::vector<ImageDeletion> outcome = {
      {"docker.io/library/c:1", absl::InternalError("c failed")},
      {"docker.io/library/a:1", absl::InternalError("a failed")},
  };
  const Report r = BuildReport(plan, outcome, {}, {});
  EXPECT_THAT(r.images_deleted, IsEmpty());
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].name, "docker.io/library/a:1");
  EXPECT_EQ(r.errors[1].name, "docker.io/library/b:1");
  EXPECT_EQ(r.errors[1].status, absl::DataLossError("walk"));
  EXPECT_EQ(r.errors[2].name, "docker.io/library/c:1");
}

// ---------------------------------------------------------------------------
// Snapshot labels (§5.5).

// a: pruned, its config held by a lease (as a BuildKit history record holds
// it); b: pruned, its config shared with the kept image k; c: pruned, nothing
// else holds its config.
struct ReleaseFixture {
  InventoryBuilder b;
  Descriptor ca, cb, cc, ma, mb, mk, mc;
  std::vector<std::string> chains_a;

  ReleaseFixture() {
    const Descriptor la = b.Layer("la", 200), lb = b.Layer("lb", 300), lc = b.Layer("lc", 400);
    ca = b.Config("a", {}, {la}, 11);
    cb = b.Config("b", {}, {lb}, 12);
    cc = b.Config("c", {}, {lc}, 13);
    ma = b.Manifest("a", ca, {la}, 51);
    mb = b.Manifest("b", cb, {lb}, 52);
    mk = b.Manifest("k", cb, {lb}, 53);
    mc = b.Manifest("c", cc, {lc}, 54);
    chains_a = b.ChainIds(ca);
    b.SnapshotSize(chains_a[0], 7000);
    b.Image("docker.io/library/a:1", ma)
        .Image("docker.io/library/b:1", mb)
        .Image("docker.io/library/c:1", mc)
        .Image("docker.io/library/k:1", mk);
    b.Container(kC1, "k:1", mk.digest);
  }
  Inventory Build() const {
    Inventory inv = b.Build();
    gc::LeaseRecord lease;
    lease.resources.push_back(gc::ResourceId::Content(ca.digest.str()));
    inv.graph.leases["buildkit-history"] = lease;
    return inv;
  }
};

TEST(PlanPruneTest, ReleasesTheSnapshotLabelOfAConfigSomethingElseHolds) {
  const ReleaseFixture f;
  const Plan plan = PlanPrune(f.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/a:1", "docker.io/library/b:1",
                                        "docker.io/library/c:1"));
  // Only a's config: b's is reached by k, c's goes with the collection anyway.
  ASSERT_EQ(plan.snapshot_label_releases.size(), 1u);
  EXPECT_EQ(plan.snapshot_label_releases[0].config, f.ca.digest);
  EXPECT_EQ(plan.snapshot_label_releases[0].label, "containerd.io/gc.ref.snapshot.overlayfs");
  EXPECT_THAT(plan.snapshot_label_releases[0].images, ElementsAre("docker.io/library/a:1"));
  EXPECT_THAT(plan.report.snapshot_labels_released, ElementsAre(f.ca.digest));
  // The lease keeps a's config; the released label frees its snapshot, counted for a.
  EXPECT_FALSE(plan.predicted_removed_blobs.contains(f.ca.digest));
  EXPECT_TRUE(plan.predicted_removed_blobs.contains(f.cc.digest));
  EXPECT_TRUE(plan.predicted_removed_snapshots.contains(f.chains_a[0]));
  const Decision& a = Find(plan, "docker.io/library/a:1");
  EXPECT_THAT(a.deleted_snapshots, ElementsAre(f.chains_a[0]));
  EXPECT_EQ(a.reclaimed_bytes, 51u + 200u + 7000u);
}

TEST(PlanPruneTest, WithoutASnapshotterNoLabelIsReleased) {
  const ReleaseFixture f;
  Inventory inv = f.Build();
  inv.snapshotter.clear();
  const Plan plan = PlanPrune(inv, All());
  EXPECT_THAT(plan.snapshot_label_releases, IsEmpty());
  EXPECT_THAT(plan.report.snapshot_labels_released, IsEmpty());
  // The leased config still pins a's snapshot.
  EXPECT_FALSE(plan.predicted_removed_snapshots.contains(f.chains_a[0]));
  EXPECT_EQ(Find(plan, "docker.io/library/a:1").reclaimed_bytes, 51u + 200u);
}

TEST(PlanPruneTest, AKeptImageKeepsTheLabel) {
  ReleaseFixture f;
  f.b.Container(kC2, "a:1", f.ma.digest);  // now a is kept too
  const Plan plan = PlanPrune(f.Build(), All());
  EXPECT_THAT(Pruned(plan), ElementsAre("docker.io/library/b:1", "docker.io/library/c:1"));
  EXPECT_THAT(plan.snapshot_label_releases, IsEmpty());
  EXPECT_FALSE(plan.predicted_removed_snapshots.contains(f.chains_a[0]));
}

TEST(PlanPruneTest, ReleasesPlanTheSameFromAnInventoryGivenUp) {
  const ReleaseFixture f;
  const Inventory inv = f.Build();
  const Plan want = PlanPrune(inv, All());
  Inventory owned = f.Build();
  const Plan got = PlanPrune(std::move(owned), All());
  ASSERT_EQ(want.snapshot_label_releases.size(), 1u);
  ExpectSamePlan(got, want);
  // The const overload did not touch the caller's graph.
  EXPECT_TRUE(inv.graph.content.at(f.ca.digest.str())
                  .labels.contains("containerd.io/gc.ref.snapshot.overlayfs"));
}

}  // namespace
}  // namespace reclaim
