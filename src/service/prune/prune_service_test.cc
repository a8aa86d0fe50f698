#include "service/prune/prune_service.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_replace.h"
#include "core/reference.h"
#include "gtest/gtest.h"
#include "imageio/testing/image_builder.h"
#include "service/testing/store_fixture.h"
#include "store/forwarding_store.h"

namespace reclaim {
namespace {

using service_testing::CountingStore;
using service_testing::GraphBuilder;
using service_testing::ImageSpec;
using service_testing::TempLocalStore;

FilterArgs AllFilters() {
  FilterArgs f;
  f.Add("dangling", "false");
  return f;
}

std::vector<std::string> Untagged(const Report& r) {
  std::vector<std::string> out;
  for (const ReportItem& i : r.images_deleted) {
    if (!i.untagged.empty()) out.push_back(i.untagged);
  }
  return out;
}

std::vector<std::string> FamiliarNames(Store& store) {
  std::vector<std::string> out;
  auto images = store.images().ListImages();
  EXPECT_TRUE(images.ok()) << images.status();
  if (!images.ok()) return out;
  for (const ImageRecord& r : *images) out.push_back(ImageFamiliarName(r));
  std::sort(out.begin(), out.end());
  return out;
}

std::map<Digest, int64_t> Blobs(Store& store) {
  std::map<Digest, int64_t> out;
  auto content = store.content().ListContent();
  EXPECT_TRUE(content.ok()) << content.status();
  if (content.ok()) {
    for (const ContentInfo& c : *content) out[c.digest] = c.size;
  }
  return out;
}

// Runs a dry run then the real prune and checks the two reports are equal and
// consistent with what vanished from the store.
Report DryRunThenPrune(Store& store, PruneService& prune, const FilterArgs& filters) {
  const std::map<Digest, int64_t> before = Blobs(store);
  auto dry = prune.Prune(filters, {.dry_run = true});
  EXPECT_TRUE(dry.ok()) << dry.status();
  if (!dry.ok()) return {};
  EXPECT_EQ(Blobs(store), before) << "a dry run changed the store";
  auto real = prune.Prune(filters, {});
  EXPECT_TRUE(real.ok()) << real.status();
  if (!real.ok()) return {};
  // The dry run predicts the leftovers the collection takes too.
  EXPECT_EQ(dry->report, real->report);
  EXPECT_EQ(ReportJson(dry->report), ReportJson(real->report));
  const std::map<Digest, int64_t> after = Blobs(store);
  uint64_t deleted_bytes = 0;
  for (const ReportItem& item : real->report.images_deleted) {
    if (item.deleted.empty()) continue;
    auto d = Digest::Parse(item.deleted);
    EXPECT_TRUE(d.ok());
    if (!d.ok()) continue;
    EXPECT_FALSE(after.contains(*d)) << item.deleted << " reported deleted but still present";
    EXPECT_TRUE(before.contains(*d)) << item.deleted;
    if (before.contains(*d)) deleted_bytes += static_cast<uint64_t>(before.at(*d));
  }
  EXPECT_EQ(real->report.space_reclaimed, deleted_bytes);
  return real->report;
}

// ---- specs/prune.md §4.4, through the executor on the embedded store.

struct Example {
  std::string what;
  std::vector<std::string> tags;  // of busybox, all on D
  std::string config_image;       // {ID} sha256:<hex>, {HEX} hex, {HEX8} 8 hex digits
  std::vector<std::string> pruned;
  std::vector<std::string> kept;
};

TEST(PruneExecutorTest, WorkedExamples) {
  const std::vector<std::string> many = {"a", "e", "h", "j", "o", "q", "r", "s", "t", "w", "z"};
  std::vector<std::string> many_pruned;
  for (const std::string& t : many) {
    if (t != "z") many_pruned.push_back("busybox:" + t);
  }
  const std::vector<Example> examples = {
      {"full ID", {"latest"}, "{ID}", {}, {"busybox:latest"}},
      {"64 hex", {"latest"}, "{HEX}", {}, {"busybox:latest"}},
      {"8 hex", {"latest"}, "{HEX8}", {}, {"busybox:latest"}},
      {"digested", {"latest"}, "busybox@{ID}", {}, {"busybox:latest"}},
      {"tag and digest", {"latest"}, "busybox:latest@{ID}", {}, {"busybox:latest"}},
      {"name", {"latest"}, "busybox", {}, {"busybox:latest"}},
      {"two tags, ID", {"latest", "a"}, "{ID}", {"busybox:a"}, {"busybox:latest"}},
      {"two tags, digested", {"latest", "a"}, "busybox@{ID}", {"busybox:a"}, {"busybox:latest"}},
      {"two tags, tag+digest", {"latest", "a"}, "busybox:latest@{ID}", {"busybox:a"},
       {"busybox:latest"}},
      {"two tags, name", {"latest", "a"}, "busybox", {"busybox:a"}, {"busybox:latest"}},
      {"two tags, name a", {"latest", "a"}, "busybox:a", {"busybox:latest"}, {"busybox:a"}},
      {"eleven tags", many, "{ID}", many_pruned, {"busybox:z"}},
      {"no container", {"latest", "a"}, "", {"busybox:a", "busybox:latest"}, {}},
  };
  for (const Example& ex : examples) {
    SCOPED_TRACE(ex.what);
    TempLocalStore root;
    GraphBuilder b(root.store());
    const Descriptor d = b.Image("busybox", {"base", "bb"});
    b.Name("unrelated:1", b.Image("unrelated", {"base", "u"}, {{"keep", "me"}}));
    for (const std::string& t : ex.tags) b.Name("busybox:" + t, d);
    if (!ex.config_image.empty()) {
      const std::string image = absl::StrReplaceAll(
          ex.config_image, {{"{ID}", d.digest.str()},
                            {"{HEX8}", std::string(d.digest.hex().substr(0, 8))},
                            {"{HEX}", std::string(d.digest.hex())}});
      b.Container(GraphBuilder::ContainerId("c"), image, d.digest);
    }
    PruneService prune(root.store());
    // Only busybox: keep `unrelated` out with a label filter.
    FilterArgs f = AllFilters();
    f.Add("label!", "keep=me");
    const Report report = DryRunThenPrune(root.store(), prune, f);
    EXPECT_EQ(Untagged(report), ex.pruned);
    std::vector<std::string> kept = ex.kept;
    kept.push_back("unrelated:1");
    std::sort(kept.begin(), kept.end());
    EXPECT_EQ(FamiliarNames(root.store()), kept);
    // The image's content goes only when its last name goes.
    const bool gone = ex.kept.empty();
    EXPECT_EQ(root.store().content().Info(d.digest).ok(), !gone);
    auto fsck = root.store().Fsck(false);
    ASSERT_TRUE(fsck.ok());
    EXPECT_TRUE(fsck->clean());
  }
}

TEST(PruneExecutorTest, DanglingRecordUsedByAContainerIsKept) {
  for (bool dangling_only : {true, false}) {
    TempLocalStore root;
    GraphBuilder b(root.store());
    const Descriptor d = b.Image("d", {"l"});
    const Descriptor e = b.Image("e", {"l2"});
    b.Dangling(d);
    b.Dangling(e);
    b.Container(GraphBuilder::ContainerId("c"), "whatever:1", d.digest);
    PruneService prune(root.store());
    FilterArgs f;
    f.Add("dangling", dangling_only ? "true" : "false");
    const Report report = DryRunThenPrune(root.store(), prune, f);
    EXPECT_EQ(Untagged(report), std::vector<std::string>{e.digest.str()});
    EXPECT_EQ(FamiliarNames(root.store()), std::vector<std::string>{d.digest.str()});
  }
}

TEST(PruneExecutorTest, RepointedNameAndDanglingRecordAreBothProtected) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("old", {"l"});
  const Descriptor e = b.Image("new", {"l2"});
  b.Dangling(d);
  b.Name("alpine:latest", e);
  b.Container(GraphBuilder::ContainerId("c"), "alpine", d.digest);
  PruneService prune(root.store());
  const Report report = DryRunThenPrune(root.store(), prune, AllFilters());
  EXPECT_TRUE(report.images_deleted.empty());
  EXPECT_EQ(FamiliarNames(root.store()), (std::vector<std::string>{"alpine:latest", d.digest.str()}));
}

TEST(PruneExecutorTest, NameOnlyUseOfAVanishedNameDoesNotProtectTheDigest) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"l"});
  b.Name("other:1", d);
  b.Container(GraphBuilder::ContainerId("c"), "alpine", d.digest);
  PruneService prune(root.store());
  const Report report = DryRunThenPrune(root.store(), prune, AllFilters());
  EXPECT_EQ(Untagged(report), std::vector<std::string>{"other:1"});
}

TEST(PruneExecutorTest, ReportShapeAndOneCollection) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  ImageSpec amd;
  amd.layers = {"base", "amd"};
  ImageSpec arm = amd;
  arm.arch = "arm64";
  arm.layers = {"base", "arm"};
  const Descriptor m1 = b.Image("amd", amd);
  const Descriptor m2 = b.Image("arm", arm);
  const Descriptor index = b.Index({m1, m2, b.Attestation("att", m1)});
  b.Name("multi:1", index);
  b.Name("multi:2", index);
  const Descriptor single = b.Image("single", {"base", "s"});
  b.Name("single:latest", single);
  CountingStore counting(root.store());
  PruneService prune(counting);
  const Report report = DryRunThenPrune(counting, prune, AllFilters());
  EXPECT_EQ(counting.collections.load(), 1);
  // Sorted names; each Untagged followed by the blobs that vanished with it; the
  // shared index content goes with multi:2 (the last name), `base` with the last
  // image holding it (single).
  ASSERT_GE(report.images_deleted.size(), 4u);
  EXPECT_EQ(report.images_deleted[0], ReportItem::Untagged("multi:1"));
  EXPECT_EQ(report.images_deleted[1], ReportItem::Untagged("multi:2"));
  EXPECT_EQ(report.images_deleted[2], ReportItem::Deleted(index.digest.str()));
  EXPECT_EQ(report.images_deleted[3], ReportItem::Deleted(m1.digest.str()));
  const std::vector<std::string> untagged = Untagged(report);
  EXPECT_EQ(untagged, (std::vector<std::string>{"multi:1", "multi:2", "single:latest"}));
  // Everything is gone.
  EXPECT_TRUE(Blobs(root.store()).empty());
  // A second prune deletes nothing; its collection finds nothing left over.
  auto again = prune.Prune(AllFilters(), {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->report.images_deleted.empty());
  EXPECT_EQ(ReportJson(again->report), R"({"ImagesDeleted":null,"SpaceReclaimed":0})");
  EXPECT_EQ(again->report.leftover_reclaimed, 0u);
  EXPECT_EQ(counting.collections.load(), 2);
}

TEST(PruneExecutorTest, WhatInterruptedWorkLeftUnreferencedIsCollectedAndCountedApart) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  b.Name("kept:1", b.Image("kept", {"kept-layer"}));
  // Blobs no record or lease reaches: what a killed load or prune leaves.
  const Descriptor orphan = b.Layer("orphan-layer-from-a-killed-load");
  ASSERT_TRUE(root.store().content().Info(orphan.digest).ok());
  PruneService prune(root.store());

  // Nothing dangling to prune: the collection still runs and takes the orphan;
  // Docker's SpaceReclaimed stays the plan's.
  absl::StatusOr<PruneResult> dangling = prune.Prune(FilterArgs(), {});
  ASSERT_TRUE(dangling.ok()) << dangling.status();
  EXPECT_TRUE(dangling->report.images_deleted.empty());
  EXPECT_EQ(dangling->report.space_reclaimed, 0u);
  EXPECT_EQ(dangling->report.leftover_reclaimed, static_cast<uint64_t>(orphan.size));
  EXPECT_EQ(root.store().content().Info(orphan.digest).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FamiliarNames(root.store()), std::vector<std::string>{"kept:1"});

  // With images to prune, the leftovers are what the collection took beyond
  // them, and the dry run still agrees with the prune on Docker's numbers.
  const Descriptor orphan2 = b.Layer("orphan-layer-from-a-killed-prune");
  const Report report = DryRunThenPrune(root.store(), prune, AllFilters());
  EXPECT_EQ(Untagged(report), std::vector<std::string>{"kept:1"});
  EXPECT_EQ(report.leftover_reclaimed, static_cast<uint64_t>(orphan2.size));
  EXPECT_TRUE(Blobs(root.store()).empty());
}

TEST(PruneExecutorTest, LeasesAreKeptAndProtectTheirContent) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"leased-layer", "other"});
  b.Name("d:1", d);
  const Descriptor leased = b.Layer("leased-layer");
  ASSERT_TRUE(root.store()
                  .CreateLease("pull-in-flight", {{"containerd.io/gc.expire", "2999-01-01T00:00:00Z"},
                                                  {"moby/prune.images", ""}})
                  .ok());
  ASSERT_TRUE(root.store()
                  .AddLeaseResource("pull-in-flight", {LeaseResourceType::kContent, leased.digest.str(), ""})
                  .ok());
  PruneService prune(root.store());
  const Report report = DryRunThenPrune(root.store(), prune, AllFilters());
  EXPECT_EQ(Untagged(report), std::vector<std::string>{"d:1"});
  EXPECT_TRUE(root.store().content().Info(leased.digest).ok());
  auto leases = root.store().leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].id, "pull-in-flight");
}

TEST(PruneExecutorTest, OptionErrorsAndJson) {
  TempLocalStore root;
  PruneService prune(root.store());
  FilterArgs bad;
  bad.Add("before", "x");
  auto r = prune.Prune(bad, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "invalid filter 'before'");
  auto j = prune.PruneJson("{\"key\":\"value\"}", {});
  EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(j.status().message(), "invalid filter");
  auto u = prune.PruneJson(R"({"until":{"yesterday":true}})", {});
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(u.status().message()).starts_with("invalid value for 'until' filter: "))
      << u.status();
  auto ok = prune.PruneJson("", {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->report.images_deleted.empty());
}

TEST(PruneExecutorTest, UntilComparesRecordCreationStrictly) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  TempLocalStore root(&clock);
  GraphBuilder b(root.store());
  b.Name("old:1", b.Image("old", {"o"}));
  clock.Advance(absl::Hours(2));
  b.Name("new:1", b.Image("new", {"n"}));
  clock.Advance(absl::Minutes(1));
  PruneService prune(root.store(), {.clock = &clock, .zone = absl::UTCTimeZone()});
  FilterArgs f = AllFilters();
  f.Add("until", "1h");
  const Report report = DryRunThenPrune(root.store(), prune, f);
  EXPECT_EQ(Untagged(report), std::vector<std::string>{"old:1"});
}

TEST(PruneExecutorTest, AWalkFailureSkipsThatImageOnly) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  TestBlob bad = MakeTestBlob("{broken", media_types::kOciConfig);
  ASSERT_TRUE(PutTestBlob(root.store(), bad).ok());
  const Descriptor layer = b.Layer("l");
  TestBlob manifest = MakeTestBlob(GoJsonOciManifest(bad.desc, {layer}), media_types::kOciManifest);
  ASSERT_TRUE(PutTestBlob(root.store(), manifest, ChildGcLabels({bad.desc, layer})).ok());
  b.Name("broken:1", manifest.desc);
  b.Name("fine:1", b.Image("fine", {"f"}));
  PruneService prune(root.store());
  auto dry = prune.Prune(AllFilters(), {.dry_run = true});
  ASSERT_TRUE(dry.ok());
  auto r = prune.Prune(AllFilters(), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(dry->report, r->report);
  EXPECT_EQ(Untagged(r->report), std::vector<std::string>{"fine:1"});
  ASSERT_EQ(r->report.errors.size(), 1u);
  EXPECT_EQ(r->report.errors[0].name, "docker.io/library/broken:1");
  const absl::Status joined = r->ErrorStatus();
  EXPECT_EQ(joined.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(joined.message()).starts_with("broken:1: ")) << joined;
  EXPECT_EQ(FamiliarNames(root.store()), std::vector<std::string>{"broken:1"});
}

TEST(PruneExecutorTest, ExplainGivesEveryDecision) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"l"});
  b.Name("busybox:a", d);
  b.Name("busybox:latest", d);
  b.Container(GraphBuilder::ContainerId("c"), "busybox", d.digest);
  PruneService prune(root.store());
  auto plan = prune.Explain(AllFilters());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->decisions.size(), 2u);
  EXPECT_TRUE(plan->decisions[0].prune);
  EXPECT_EQ(plan->decisions[0].reason, DecisionReason::kUnused);
  EXPECT_FALSE(plan->decisions[1].prune);
  EXPECT_EQ(plan->decisions[1].reason, DecisionReason::kUsedByName);
  EXPECT_EQ(plan->decisions[1].container_id, GraphBuilder::ContainerId("c"));
  EXPECT_EQ(FamiliarNames(root.store()).size(), 2u);  // nothing changed
}

// ---- concurrency and cancellation

class Gate {
 public:
  void Open() { open_.set_value(); }
  void Wait() { opened_.wait(); }

 private:
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

TEST(PruneExecutorTest, SecondConcurrentPruneGets409EvenWithBadFilters) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  b.Name("a:1", b.Image("a", {"l"}));
  PruneService prune(root.store());
  Gate entered, release;
  std::atomic<bool> once{false};
  prune.SetPhaseHookForTesting([&](PrunePhase p) {
    if (p == PrunePhase::kInventory && !once.exchange(true)) {
      entered.Open();
      release.Wait();
    }
  });
  auto first = std::async(std::launch::async, [&] { return prune.Prune(AllFilters(), {}); });
  entered.Wait();
  auto second = prune.Prune(AllFilters(), {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(std::string(second.status().message()), kPruneRunningMessage);
  FilterArgs bad;
  bad.Add("nope", "1");
  EXPECT_EQ(std::string(prune.Prune(bad, {}).status().message()), kPruneRunningMessage);
  // A dry run is not blocked by the guard.
  auto dry = prune.Prune(AllFilters(), {.dry_run = true});
  EXPECT_TRUE(dry.ok()) << dry.status();
  release.Open();
  auto r = first.get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Untagged(r->report), std::vector<std::string>{"a:1"});
  // The guard is released on every path, errors included.
  EXPECT_EQ(prune.Prune(bad, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(prune.Prune(AllFilters(), {}).ok());
}

TEST(PruneExecutorTest, ManyConcurrentPrunesExactlyOneRunsAtATime) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  for (int i = 0; i < 5; ++i) b.Name("a:" + std::to_string(i), b.Image("a" + std::to_string(i), {"l"}));
  PruneService prune(root.store());
  std::atomic<int> inside{0}, max_inside{0};
  prune.SetPhaseHookForTesting([&](PrunePhase p) {
    if (p == PrunePhase::kGuardTaken) {
      const int n = ++inside;
      int m = max_inside.load();
      while (n > m && !max_inside.compare_exchange_weak(m, n)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } else if (p == PrunePhase::kDone) {
      --inside;
    }
  });
  std::vector<std::future<absl::StatusOr<PruneResult>>> runs;
  for (int i = 0; i < 8; ++i) {
    runs.push_back(std::async(std::launch::async,
                              [&, i] { return prune.Prune(AllFilters(), {.wait = i % 2 == 0}); }));
  }
  int ok = 0, conflict = 0, pruned_names = 0;
  for (auto& f : runs) {
    auto r = f.get();
    if (r.ok()) {
      ++ok;
      pruned_names += static_cast<int>(Untagged(r->report).size());
    } else {
      EXPECT_EQ(std::string(r.status().message()), kPruneRunningMessage);
      ++conflict;
    }
  }
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_GE(ok, 4);  // every waiting prune ran
  EXPECT_EQ(ok + conflict, 8);
  EXPECT_EQ(pruned_names, 5);  // each image pruned exactly once
}

TEST(PruneExecutorTest, WaitQueuesBehindTheRunningPruneAndCanBeCancelled) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  b.Name("a:1", b.Image("a", {"l"}));
  PruneService prune(root.store());
  Gate entered, release;
  std::atomic<bool> once{false};
  prune.SetPhaseHookForTesting([&](PrunePhase p) {
    if (p == PrunePhase::kInventory && !once.exchange(true)) {
      entered.Open();
      release.Wait();
    }
  });
  auto first = std::async(std::launch::async, [&] { return prune.Prune(AllFilters(), {}); });
  entered.Wait();
  CancelToken cancel;
  auto cancelled = std::async(std::launch::async, [&] {
    return prune.Prune(AllFilters(), {.wait = true, .cancel = &cancel});
  });
  std::atomic<bool> queued_done{false};
  auto queued = std::async(std::launch::async, [&] {
    auto r = prune.Prune(AllFilters(), {.wait = true});
    queued_done = true;
    return r;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_FALSE(queued_done.load());
  cancel.Cancel();
  EXPECT_EQ(cancelled.get().status().code(), absl::StatusCode::kCancelled);
  release.Open();
  ASSERT_TRUE(first.get().ok());
  auto q = queued.get();
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->report.images_deleted.empty());
}

TEST(PruneExecutorTest, CancelledBeforeTheDeleteChangesNothing) {
  for (PrunePhase at : {PrunePhase::kOptions, PrunePhase::kInventory, PrunePhase::kPlan,
                        PrunePhase::kDelete}) {
    TempLocalStore root;
    GraphBuilder b(root.store());
    b.Name("a:1", b.Image("a", {"l"}));
    const auto before = Blobs(root.store());
    PruneService prune(root.store());
    CancelToken cancel;
    prune.SetPhaseHookForTesting([&](PrunePhase p) {
      if (p == at) cancel.Cancel();
    });
    auto r = prune.Prune(AllFilters(), {.cancel = &cancel});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << static_cast<int>(at);
    EXPECT_EQ(Blobs(root.store()), before);
    EXPECT_EQ(FamiliarNames(root.store()), std::vector<std::string>{"a:1"});
    prune.SetPhaseHookForTesting(nullptr);
    EXPECT_TRUE(prune.Prune(AllFilters(), {}).ok());  // guard released
  }
}

TEST(PruneExecutorTest, RecordsChangedAfterPlanningArePlannedAgain) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"l"});
  b.Name("a:1", d);
  PruneService prune(root.store());
  prune.SetPhaseHookForTesting([&](PrunePhase p) {
    // Between planning and deleting a container starts using a:1.
    if (p == PrunePhase::kDelete) b.Container(GraphBuilder::ContainerId("late"), "a:1", d.digest);
  });
  auto r = prune.Prune(AllFilters(), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->report.images_deleted.empty());
  EXPECT_EQ(FamiliarNames(root.store()), std::vector<std::string>{"a:1"});
  EXPECT_TRUE(root.store().content().Info(d.digest).ok());
}

// A LocalStore that hides its records generation.
class NoGenerationStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  absl::StatusOr<uint64_t> RecordsGeneration() override { return Store::RecordsGeneration(); }
};

// A store that keeps no records generation: the executor compares the records
// themselves.
TEST(PruneExecutorTest, WithoutAGenerationMovedRecordsArePlannedAgain) {
  struct Case {
    std::string name;
    // Runs between planning and deleting; true when it moves a record.
    std::function<bool(TempLocalStore&, GraphBuilder&, const Descriptor&, const Descriptor&)> act;
    std::vector<std::string> left;  // familiar names after the prune
    bool e_reported = false;        // e's manifest is a `Deleted` item
  };
  const std::vector<Case> cases = {
      {"nothing moves", [](auto&, auto&, const auto&, const auto&) { return false; }, {}},
      {"a container starts using a:1",
       [](auto&, GraphBuilder& b, const Descriptor& d, const auto&) {
         b.Container(GraphBuilder::ContainerId("late"), "a:1", d.digest);
         return true;
       },
       {"a:1"}},
      {"a:1 is repointed",
       [](TempLocalStore& root, auto&, const auto&, const Descriptor& e) {
         auto r = root.store().images().GetImage("docker.io/library/a:1");
         EXPECT_TRUE(r.ok());
         ImageRecord moved = *r;
         moved.target = e;
         EXPECT_TRUE(root.store().images().UpdateImage(moved).ok());
         return true;
       },
       {},
       true},
      {"a new name for d",
       [](auto&, GraphBuilder& b, const Descriptor& d, const auto&) {
         b.Name("late:1", d);
         return true;
       },
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempLocalStore root;
    GraphBuilder b(root.store());
    const Descriptor d = b.Image("d", {"l"});
    const Descriptor e = b.Image("e", {"m"});
    b.Name("a:1", d);
    NoGenerationStore counting(root.store());
    ASSERT_EQ(counting.RecordsGeneration().status().code(), absl::StatusCode::kUnimplemented);
    PruneService prune(counting);
    bool moved = false;
    prune.SetPhaseHookForTesting([&](PrunePhase p) {
      if (p == PrunePhase::kDelete) moved = c.act(root, b, d, e);
    });
    auto r = prune.Prune(AllFilters(), {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(FamiliarNames(root.store()), c.left);
    // The report is the one of the plan that ran: what really vanished.
    for (const std::string& name : Untagged(r->report)) {
      EXPECT_TRUE(std::find(c.left.begin(), c.left.end(), name) == c.left.end()) << name;
    }
    if (!moved) {
      EXPECT_EQ(Untagged(r->report), std::vector<std::string>{"a:1"});
    }
    const bool e_deleted =
        std::find(r->report.images_deleted.begin(), r->report.images_deleted.end(),
                  ReportItem::Deleted(e.digest.str())) != r->report.images_deleted.end();
    EXPECT_EQ(e_deleted, c.e_reported);
  }
}

// ---- randomized property test

void Generate(std::mt19937& rng, GraphBuilder& b, Store& store, int round) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> layer_pool = {"base", "libc", "py", "node", "tools", "x"};
  const std::vector<std::string> repos = {"busybox", "alpine", "app", "user/web", "ghcr.io/o/r",
                                          "localhost:5000/x"};
  const std::vector<std::string> tags = {"latest", "1", "2", "a", "z"};
  const std::vector<Labels> label_pool = {{}, {{"team", "a"}}, {{"team", "b"}}, {{"other", "1"}}};
  std::vector<Descriptor> targets;
  const int n = 3 + pick(8);
  for (int i = 0; i < n; ++i) {
    const std::string seed = "r" + std::to_string(round) + "i" + std::to_string(i);
    auto image = [&](const std::string& s, const std::string& arch) {
      ImageSpec spec;
      spec.arch = arch;
      spec.labels = label_pool[pick(label_pool.size())];
      const int layers = 1 + pick(3);
      for (int l = 0; l < layers; ++l) spec.layers.push_back(layer_pool[pick(layer_pool.size())]);
      return b.Image(s, spec);
    };
    if (pick(3) == 0) {
      const Descriptor amd = image(seed + "amd", "amd64");
      const Descriptor arm = image(seed + "arm", "arm64");
      std::vector<Descriptor> ms = {amd, arm};
      if (pick(2) == 0) ms.push_back(b.Attestation(seed + "att", amd, label_pool[pick(4)]));
      targets.push_back(b.Index(ms));
    } else {
      targets.push_back(image(seed, "amd64"));
    }
  }
  // Names: 0-3 per target; a target without names gets a dangling record.
  std::map<Digest, std::vector<std::string>> names_of;  // typed (familiar) names
  std::set<std::string> taken;
  for (const Descriptor& t : targets) {
    const int k = pick(4);
    for (int j = 0; j < k; ++j) {
      std::string name = repos[pick(repos.size())];
      if (pick(5) == 0) {
        name += "@" + t.digest.str();
      } else {
        name += ":" + tags[pick(tags.size())];
      }
      const std::string stored = GraphBuilder::Canonical(name);
      if (!taken.insert(stored).second) continue;
      b.Name(name, t);
      names_of[t.digest].push_back(name);
    }
    if (names_of[t.digest].empty() || pick(6) == 0) b.Dangling(t);
  }
  // Containers, created the way ContainerService does: Config.Image resolves to
  // ImageID at creation time.
  const int containers = pick(5);
  for (int c = 0; c < containers; ++c) {
    const Descriptor& t = targets[pick(targets.size())];
    const std::string id = GraphBuilder::ContainerId("r" + std::to_string(round) + "c" + std::to_string(c));
    const std::vector<std::string>& names = names_of[t.digest];
    std::string image;
    switch (pick(6)) {
      case 0:
        image = t.digest.str();
        break;
      case 1:
        image = std::string(t.digest.hex());
        break;
      case 2:
        image = std::string(t.digest.hex().substr(0, 4 + pick(20)));
        break;
      case 3:
        image = repos[pick(repos.size())] + "@" + t.digest.str();
        break;
      case 4:
        image = repos[pick(repos.size())] + ":" + tags[pick(tags.size())] + "@" + t.digest.str();
        break;
      default:
        image = names.empty() ? t.digest.str() : names[pick(names.size())];
        break;
    }
    b.Container(id, image, t.digest);
  }
  // Sometimes a used tag moves to another target and the old one keeps a
  // dangling record, as `docker tag` / load do.
  if (pick(2) == 0) {
    auto images = store.images().ListImages();
    ASSERT_TRUE(images.ok());
    for (const ImageRecord& r : *images) {
      if (r.name.starts_with(kDanglingPrefix) || pick(3) != 0) continue;
      const Descriptor& to = targets[pick(targets.size())];
      if (to.digest == r.target.digest) continue;
      ImageRecord moved = r;
      moved.target = to;
      moved.target.annotations.clear();
      moved.target.platform.reset();
      ASSERT_TRUE(store.images().UpdateImage(moved).ok());
      bool still_named = false;
      auto now = store.images().ListImages();
      ASSERT_TRUE(now.ok());
      for (const ImageRecord& o : *now) still_named |= o.target.digest == r.target.digest;
      if (!still_named) b.Dangling(r.target);
      break;
    }
  }
  if (pick(4) == 0) {
    // An operation in flight holds one layer.
    ASSERT_TRUE(store.leases()
                    .CreateLease("op", {{"containerd.io/gc.expire", "2999-01-01T00:00:00Z"}})
                    .ok());
    ASSERT_TRUE(
        store.leases()
            .AddLeaseResource("op", {LeaseResourceType::kContent,
                                     b.Layer(layer_pool[pick(layer_pool.size())]).digest.str(), ""})
            .ok());
  }
}

TEST(PruneExecutorPropertyTest, RandomStores) {
  std::mt19937 rng(20260806);
  int pruned_total = 0, containers_checked = 0, rounds_with_kept_used = 0;
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempLocalStore root;
    GraphBuilder b(root.store());
    Generate(rng, b, root.store(), round);
    if (HasFatalFailure()) return;

    FilterArgs filters;
    filters.Add("dangling", rng() % 3 == 0 ? "true" : "false");
    switch (rng() % 4) {
      case 0:
        filters.Add("label", "team=a");
        break;
      case 1:
        filters.Add("label!", "team=a");
        break;
      default:
        break;
    }

    // What must survive: every blob reachable from a record that stays, and
    // from every container's ImageID target.
    PruneService prune(root.store(), {.parallelism = 1 + round % 4});
    InventoryOptions io;
    TargetWalks walks;
    auto before_inv = GatherInventory(root.store(), io, &walks);
    ASSERT_TRUE(before_inv.ok());
    std::map<std::string, std::vector<Digest>> blobs_of_name;
    for (const ImageInventory& i : before_inv->images) {
      for (const Descriptor& d : i.descriptors()) blobs_of_name[i.record.name].push_back(d.digest);
    }

    const Report report = DryRunThenPrune(root.store(), prune, filters);
    pruned_total += static_cast<int>(Untagged(report).size());
    rounds_with_kept_used += before_inv->containers.empty() ? 0 : 1;
    const std::map<Digest, int64_t> after = Blobs(root.store());
    auto remaining = root.store().images().ListImages();
    ASSERT_TRUE(remaining.ok());
    for (const ImageRecord& r : *remaining) {
      for (const Digest& d : blobs_of_name[r.name]) {
        EXPECT_TRUE(after.contains(d)) << r.name << " lost " << d.str();
      }
    }
    std::map<std::string, Digest> target_of;
    for (const ImageInventory& i : before_inv->images) target_of[i.record.name] = i.record.target.digest;
    for (const ContainerRecord& c : before_inv->containers) {
      // Docker protects a container's image by ID, digest, its dangling record or
      // the name it was created from; a name since moved elsewhere (while the old
      // target kept other names) protects nothing (prune.md §4.4, last row).
      std::string hex = c.image.starts_with("sha256:") ? c.image.substr(7) : c.image;
      const bool by_id = c.image_id.hex().starts_with(hex);
      const bool by_digest = c.image.find('@') != std::string::npos;
      const bool by_dangling = target_of.contains(std::string(kDanglingPrefix) + c.image_id.str());
      auto named = target_of.find(GraphBuilder::Canonical(c.image));
      const bool by_name = named != target_of.end() && named->second == c.image_id;
      if (!by_id && !by_digest && !by_dangling && !by_name) continue;
      ++containers_checked;
      auto w = walks.find(c.image_id);
      ASSERT_NE(w, walks.end());
      for (const Descriptor& d : w->second->descriptors) {
        EXPECT_TRUE(after.contains(d.digest)) << "container " << c.image << " lost " << d.digest.str();
      }
    }
    auto fsck = root.store().Fsck(false);
    ASSERT_TRUE(fsck.ok());
    EXPECT_TRUE(fsck->clean());
    auto again = prune.Prune(filters, {});
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->report.images_deleted.empty()) << ReportJson(again->report);
  }
  // The generator exercises what it should.
  EXPECT_GT(pruned_total, 40);
  EXPECT_GT(containers_checked, 20);
  EXPECT_GT(rounds_with_kept_used, 20);
}

}  // namespace
}  // namespace reclaim
