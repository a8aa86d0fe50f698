#include "service/image_service.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/media_types.h"
#include "gtest/gtest.h"
#include "imageio/save.h"
#include "imageio/testing/tar_builder.h"
#include "imageio/walk.h"
#include "service/container_service.h"
#include "service/system_df.h"
#include "service/testing/store_fixture.h"
#include "store/forwarding_store.h"

namespace reclaim {
namespace {

using service_testing::GraphBuilder;
using service_testing::ImageSpec;
using service_testing::TempLocalStore;

std::vector<std::string> RecordNames(Store& store) {
  std::vector<std::string> out;
  auto images = store.images().ListImages();
  EXPECT_TRUE(images.ok());
  if (images.ok()) {
    for (const ImageRecord& r : *images) out.push_back(r.name);
  }
  return out;
}

bool HasRecord(Store& store, const std::string& name) { return store.images().GetImage(name).ok(); }

int64_t BlobBytes(Store& store, const std::vector<Digest>& digests) {
  int64_t total = 0;
  for (const Digest& d : digests) {
    auto info = store.content().Info(d);
    EXPECT_TRUE(info.ok()) << d.str();
    if (info.ok()) total += info->size;
  }
  return total;
}

std::vector<Digest> PresentDigests(Store& store, const Descriptor& target) {
  std::vector<Digest> out;
  auto blobs = PresentBlobs(store, target);
  EXPECT_TRUE(blobs.ok()) << blobs.status();
  if (blobs.ok()) {
    for (const ContentInfo& c : *blobs) out.push_back(c.digest);
  }
  return out;
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// ---- list

TEST(ImageServiceListTest, OneRowPerTargetWithDockerFields) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  TempLocalStore root(&clock);
  GraphBuilder b(root.store());
  ImageSpec old_spec;
  old_spec.layers = {"base", "old"};
  old_spec.labels = {{"team", "a"}};
  old_spec.created = "2020-01-01T00:00:00Z";
  const Descriptor old_img = b.Image("old", old_spec);
  ImageSpec new_spec;
  new_spec.layers = {"base", "new"};
  new_spec.created = "2023-06-01T00:00:00Z";
  const Descriptor new_img = b.Image("new", new_spec);
  ImageSpec no_created;
  no_created.layers = {"nc"};
  no_created.created = "";
  const Descriptor nc = b.Image("nc", no_created);
  b.Name("busybox:latest", old_img);
  b.Name("busybox:a", old_img);
  b.Name("ghcr.io/o/r:1", old_img);
  b.Name("app:1", new_img);
  b.Dangling(nc);
  b.Container(GraphBuilder::ContainerId("c1"), "busybox", old_img.digest);
  b.Container(GraphBuilder::ContainerId("c2"), "app:1", old_img.digest);

  ImageService svc(root.store(), {.clock = &clock});
  auto list = svc.List({});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 3u);
  // Newest first: the dangling image has no config `created`, so it shows its
  // record's creation (2023-11-14), then 2023-06-01, then 2020.
  EXPECT_EQ((*list)[0].id, nc.digest);
  EXPECT_EQ((*list)[0].created, absl::FromUnixSeconds(1700000000));
  EXPECT_TRUE((*list)[0].repo_tags.empty());
  EXPECT_TRUE((*list)[0].repo_digests.empty());
  EXPECT_FALSE((*list)[0].labels.has_value());
  EXPECT_EQ((*list)[1].id, new_img.digest);
  const ImageSummary& bb = (*list)[2];
  EXPECT_EQ(bb.id, old_img.digest);
  EXPECT_EQ(bb.repo_tags, (std::vector<std::string>{"busybox:a", "busybox:latest", "ghcr.io/o/r:1"}));
  EXPECT_EQ(bb.repo_digests, (std::vector<std::string>{"busybox@" + old_img.digest.str(),
                                                       "ghcr.io/o/r@" + old_img.digest.str()}));
  EXPECT_EQ(bb.created, absl::FromUnixSeconds(1577836800));
  ASSERT_TRUE(bb.labels.has_value());
  EXPECT_EQ(*bb.labels, (Labels{{"team", "a"}}));
  EXPECT_EQ(bb.containers, 2);
  EXPECT_EQ(bb.shared_size, -1);
  EXPECT_EQ(bb.size, BlobBytes(root.store(), PresentDigests(root.store(), old_img)));
  EXPECT_EQ((*list)[1].containers, 0);
}

TEST(ImageServiceListTest, Filters) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  TempLocalStore root(&clock);
  GraphBuilder b(root.store());
  const Descriptor a = b.Image("a", {"l1"}, {{"team", "a"}});
  const Descriptor c = b.Image("c", {"l2"}, {{"team", "c"}});
  const Descriptor d = b.Image("d", {"l3"});
  b.Name("busybox:1", a);
  clock.Advance(absl::Hours(1));
  b.Name("alpine:3", c);
  clock.Advance(absl::Hours(1));
  b.Dangling(d);
  clock.Advance(absl::Hours(1));
  ImageService svc(root.store(), {.clock = &clock, .zone = absl::UTCTimeZone()});

  auto ids = [&](std::string filters_json) -> std::vector<Digest> {
    auto f = FilterArgs::FromJSON(filters_json);
    EXPECT_TRUE(f.ok());
    ImageListOptions o;
    o.filters = *f;
    auto list = svc.List(o);
    EXPECT_TRUE(list.ok()) << filters_json << " " << list.status();
    std::vector<Digest> out;
    if (list.ok()) {
      for (const ImageSummary& s : *list) out.push_back(s.id);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto sorted = [](std::vector<Digest> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(ids(R"({"dangling":{"true":true}})"), sorted({d.digest}));
  EXPECT_EQ(ids(R"({"dangling":{"false":true}})"), sorted({a.digest, c.digest}));
  EXPECT_EQ(ids(R"({"label":{"team=a":true}})"), sorted({a.digest}));
  EXPECT_EQ(ids(R"({"label":{"team":true}})"), sorted({a.digest, c.digest}));
  EXPECT_EQ(ids(R"({"label!":{"team=a":true}})"), sorted({c.digest, d.digest}));
  EXPECT_EQ(ids(R"({"reference":{"busybox":true}})"), sorted({a.digest}));
  EXPECT_EQ(ids(R"({"reference":{"busy*":true}})"), sorted({a.digest}));
  EXPECT_EQ(ids(R"({"reference":{"alpine:3":true}})"), sorted({c.digest}));
  EXPECT_EQ(ids(R"({"reference":{"alpine:4":true}})"), sorted({}));
  EXPECT_EQ(ids(R"({"before":{"alpine:3":true}})"), sorted({a.digest}));
  EXPECT_EQ(ids(R"({"since":{"alpine:3":true}})"), sorted({d.digest}));
  EXPECT_EQ(ids(R"({"until":{"90m":true}})"), sorted({a.digest, c.digest}));
  EXPECT_EQ(ids("{\"dangling\": [\"false\"], \"reference\": [\"alpine\"]}"), sorted({c.digest}));

  ImageListOptions bad;
  bad.filters.Add("foo", "1");
  EXPECT_EQ(Msg(svc.List(bad).status()), "invalid filter 'foo'");
  ImageListOptions maybe;
  maybe.filters.Add("dangling", "maybe");
  EXPECT_EQ(Msg(svc.List(maybe).status()), "invalid filter 'dangling=[maybe]'");
  ImageListOptions missing;
  missing.filters.Add("before", "nope");
  EXPECT_EQ(Msg(svc.List(missing).status()), "No such image: nope:latest");
  ImageListOptions until;
  until.filters.Add("until", "soon");
  EXPECT_TRUE(Msg(svc.List(until).status()).starts_with("invalid value for 'until' filter: "));
}

// Forwards to a LocalStore, counts the gathers (ListImages calls) and answers
// StateGeneration from the base store only when `generation` is set.
class GatherCountingStore final : public ForwardingStore {
 public:
  GatherCountingStore(Store& base, bool generation)
      : ForwardingStore(base), images_(base.images(), gathers), generation_(generation) {}
  std::atomic<int> gathers{0};

  std::string Describe() const override { return "gather-counting " + base().Describe(); }
  ImageStore& images() override { return images_; }
  absl::StatusOr<uint64_t> StateGeneration() override {
    if (!generation_) return Store::StateGeneration();
    return ForwardingStore::StateGeneration();
  }

 private:
  class Images final : public ForwardingImageStore {
   public:
    Images(ImageStore& base, std::atomic<int>& gathers)
        : ForwardingImageStore(base), gathers_(gathers) {}
    absl::StatusOr<std::vector<ImageRecord>> ListImages() override {
      ++gathers_;
      return ForwardingImageStore::ListImages();
    }

   private:
    std::atomic<int>& gathers_;
  };

  Images images_;
  const bool generation_;
};

const ImageSummary* FindSummary(const std::vector<ImageSummary>& list, const Digest& id) {
  for (const ImageSummary& s : list) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

TEST(ImageServiceListTest, CachedListFollowsEveryKindOfWrite) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor a = b.Image("a", {"base", "a1"});
  const Descriptor c = b.Image("c", {"c1"});
  b.Name("busybox:1", a);
  b.Name("alpine:3", c);
  GatherCountingStore counting(root.store(), /*generation=*/true);
  ImageService svc(counting);

  auto first = svc.ListShared({});
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = svc.ListShared({});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get());  // nothing changed: the same list
  EXPECT_EQ(counting.gathers.load(), 1);
  auto copy = svc.List({});
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(copy->size(), (*first)->size());
  for (size_t i = 0; i < copy->size(); ++i) EXPECT_EQ((*copy)[i].id, (**first)[i].id);
  EXPECT_EQ(counting.gathers.load(), 1);

  const Descriptor a1 = b.Layer("a1");
  struct Step {
    std::string what;
    std::function<void()> write;
    std::function<void(const std::vector<ImageSummary>&)> check;
  };
  const std::vector<Step> steps = {
      {"a new name (image record)", [&] { b.Name("busybox:2", a); },
       [&](const std::vector<ImageSummary>& l) {
         const ImageSummary* s = FindSummary(l, a.digest);
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(s->repo_tags, (std::vector<std::string>{"busybox:1", "busybox:2"}));
       }},
      {"a container (container record)",
       [&] { b.Container(GraphBuilder::ContainerId("c1"), "alpine:3", c.digest); },
       [&](const std::vector<ImageSummary>& l) {
         const ImageSummary* s = FindSummary(l, c.digest);
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(s->containers, 1);
       }},
      {"a layer blob deleted (content only)",
       [&] { ASSERT_TRUE(root.store().content().DeleteContent(a1.digest).ok()); },
       [&](const std::vector<ImageSummary>& l) {
         const ImageSummary* s = FindSummary(l, a.digest);
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(s->size, BlobBytes(root.store(), PresentDigests(root.store(), a)));
       }},
      {"the layer committed again (content only)", [&] { b.Layer("a1"); },
       [&](const std::vector<ImageSummary>& l) {
         const ImageSummary* s = FindSummary(l, a.digest);
         ASSERT_NE(s, nullptr);
         EXPECT_EQ(s->size, BlobBytes(root.store(), PresentDigests(root.store(), a)));
       }},
      {"a content label update",
       [&] {
         ASSERT_TRUE(root.store().content().UpdateContentLabels(a1.digest, {{"x", "1"}}).ok());
       },
       [&](const std::vector<ImageSummary>& l) { EXPECT_EQ(l.size(), 2u); }},
      {"an image deleted and collected",
       [&] {
         ASSERT_TRUE(
             root.store().collector().DeleteImagesAndCollect({"docker.io/library/alpine:3"}).ok());
       },
       [&](const std::vector<ImageSummary>& l) { EXPECT_EQ(FindSummary(l, c.digest), nullptr); }},
  };
  const ImageSummary* before_delete = FindSummary(**first, a.digest);
  ASSERT_NE(before_delete, nullptr);
  const int64_t full_size = before_delete->size;
  std::shared_ptr<const std::vector<ImageSummary>> previous = *first;
  int gathers = counting.gathers.load();
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    step.write();
    auto list = svc.ListShared({});
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_NE(list->get(), previous.get());
    EXPECT_EQ(counting.gathers.load(), gathers + 1);
    step.check(**list);
    // And it is cached again.
    auto cached = svc.ListShared({});
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(cached->get(), list->get());
    previous = *list;
    gathers = counting.gathers.load();
  }
  const ImageSummary* now = FindSummary(*previous, a.digest);
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(now->size, full_size);  // the layer is back
  // A filtered list uses the cached inventory, and is right.
  ImageListOptions o;
  o.filters.Add("reference", "busybox:2");
  auto filtered = svc.List(o);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].repo_tags, (std::vector<std::string>{"busybox:2"}));
  EXPECT_EQ(counting.gathers.load(), gathers);
}

TEST(ImageServiceListTest, TimeFiltersAreAppliedToTheCachedListAtEachCall) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  TempLocalStore root(&clock);
  GraphBuilder b(root.store());
  b.Name("busybox:1", b.Image("a", {"l1"}));
  GatherCountingStore counting(root.store(), /*generation=*/true);
  ImageService svc(counting, {.clock = &clock, .zone = absl::UTCTimeZone()});
  ImageListOptions until;
  until.filters.Add("until", "30m");
  const std::vector<std::pair<absl::Duration, size_t>> table = {
      {absl::Minutes(10), 0},  // created 10 minutes ago: not before now-30m
      {absl::Minutes(15), 0},  // 25 minutes
      {absl::Minutes(40), 1},  // 65 minutes
  };
  for (const auto& [advance, want] : table) {
    clock.Advance(advance);
    auto list = svc.List(until);
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_EQ(list->size(), want) << absl::FormatTime(clock.Now());
  }
  EXPECT_EQ(counting.gathers.load(), 1);  // no write: one gather for every list
}

TEST(ImageServiceListTest, ConcurrentListsShareOneGather) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  for (int i = 0; i < 20; ++i) {
    const std::string n = std::to_string(i);
    b.Name("img" + n + ":1", b.Image("s" + n, {"l" + n}));
  }
  GatherCountingStore counting(root.store(), /*generation=*/true);
  ImageService svc(counting);
  constexpr int kThreads = 8;
  std::vector<std::shared_ptr<const std::vector<ImageSummary>>> got(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      auto list = svc.ListShared({});
      if (list.ok()) got[t] = *list;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counting.gathers.load(), 1);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_NE(got[t], nullptr);
    EXPECT_EQ(got[t].get(), got[0].get());
    EXPECT_EQ(got[t]->size(), 20u);
  }
}

TEST(ImageServiceListTest, StoresWithoutAGenerationAreReadEveryTime) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor a = b.Image("a", {"l1"});
  b.Name("busybox:1", a);
  GatherCountingStore counting(root.store(), /*generation=*/false);
  ImageService svc(counting);
  for (int i = 1; i <= 3; ++i) {
    auto list = svc.List({});
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_EQ(list->size(), static_cast<size_t>(i));
    EXPECT_EQ(counting.gathers.load(), i);
    b.Name("other" + std::to_string(i) + ":1", b.Image("o" + std::to_string(i), {"x"}));
  }
}

// ---- inspect and history

TEST(ImageServiceInspectTest, DockerShape) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  ImageSpec amd;
  amd.layers = {"base", "top"};
  amd.labels = {{"k", "v"}};
  amd.created = "2024-01-02T03:04:05.5Z";
  amd.history = {"ADD rootfs", "RUN make"};
  ImageSpec arm = amd;
  arm.arch = "arm64";
  arm.labels = {{"k", "arm"}};
  const Descriptor m1 = b.Image("amd", amd);
  const Descriptor m2 = b.Image("arm", arm);
  const Descriptor index = b.Index({m2, m1, b.Attestation("att", m1)});
  b.Name("multi:1", index);
  b.Name("localhost:5000/multi:2", index);
  ImageService svc(root.store());
  for (const std::string& ref : {std::string("multi:1"), index.digest.str(),
                                 std::string(index.digest.hex().substr(0, 12))}) {
    auto inspect = svc.Inspect(ref);
    ASSERT_TRUE(inspect.ok()) << ref << " " << inspect.status();
    EXPECT_EQ(inspect->id, index.digest);
    // In stored-name order (docker.io/library/multi:1 < localhost:5000/multi:2).
    EXPECT_EQ(inspect->repo_tags, (std::vector<std::string>{"multi:1", "localhost:5000/multi:2"}));
    EXPECT_EQ(inspect->repo_digests.size(), 2u);
    ASSERT_TRUE(inspect->created.has_value());
    EXPECT_EQ(*inspect->created, absl::FromUnixMillis(1704164645500));
    // The host platform's config (amd64), though arm64 comes first.
    EXPECT_EQ(inspect->architecture, "amd64");
    EXPECT_EQ(inspect->os, "linux");
    EXPECT_EQ(inspect->author, "seed amd");
    EXPECT_EQ(inspect->config.dump(),
              R"({"Env":["PATH=/usr/bin"],"Cmd":["/bin/sh"],"Labels":{"k":"v"}})");
    EXPECT_EQ(inspect->rootfs_type, "layers");
    EXPECT_EQ(inspect->rootfs_layers.size(), 2u);
    EXPECT_EQ(inspect->size, BlobBytes(root.store(), PresentDigests(root.store(), index)));
    EXPECT_TRUE(inspect->last_tag_time.has_value());
  }
  auto missing = svc.Inspect("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(missing.status()), "No such image: nope:latest");
  EXPECT_EQ(svc.Inspect("Bad").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImageServiceInspectTest, History) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  ImageSpec spec;
  spec.layers = {"base", "top"};
  spec.history = {"ADD rootfs", "RUN make"};
  const Descriptor m = b.Image("h", spec);
  b.Name("h:1", m);
  ImageService svc(root.store());
  auto h = svc.History("h:1");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].id, m.digest.str());
  EXPECT_EQ((*h)[0].created_by, "CMD [\"/bin/sh\"]");
  EXPECT_EQ((*h)[0].size, 0);
  EXPECT_EQ((*h)[0].tags, std::vector<std::string>{"h:1"});
  EXPECT_EQ((*h)[1].id, "<missing>");
  EXPECT_EQ((*h)[1].created_by, "RUN make");
  EXPECT_EQ((*h)[1].size, b.Layer("top").size);
  EXPECT_TRUE((*h)[1].tags.empty());
  EXPECT_EQ((*h)[2].created_by, "ADD rootfs");
  EXPECT_EQ((*h)[2].size, b.Layer("base").size);
  EXPECT_EQ((*h)[2].created, 1704164645);
  EXPECT_EQ(Msg(svc.History("nope:2").status()), "No such image: nope:2");
}

// ---- tag

TEST(ImageServiceTagTest, CreatesMovesAndKeepsDanglingRecords) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"l1"});
  const Descriptor e = b.Image("e", {"l2"});
  const Descriptor f = b.Image("f", {"l3"});
  b.Name("src:1", d);
  b.Name("other:1", e);
  b.Name("other:2", e);
  b.Dangling(f);
  ImageService svc(root.store());

  // New name, from a name, the CLI's normalised repo, and an ID prefix.
  auto t = svc.Tag("src:1", "docker.io/library/new", "v1");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "docker.io/library/new:v1");
  EXPECT_TRUE(svc.Tag(std::string(d.digest.hex().substr(0, 8)), "myrepo/x", "").ok());
  EXPECT_TRUE(HasRecord(root.store(), "docker.io/myrepo/x:latest"));
  EXPECT_TRUE(svc.Tag(d.digest.str(), "localhost:5000/x:v2", "").ok());
  EXPECT_TRUE(HasRecord(root.store(), "localhost:5000/x:v2"));

  // Moving other:1 away from e: e keeps other:2, so no dangling record.
  ASSERT_TRUE(svc.Tag("src:1", "other", "1").ok());
  EXPECT_EQ(root.store().images().GetImage("docker.io/library/other:1")->target.digest, d.digest);
  EXPECT_FALSE(HasRecord(root.store(), "moby-dangling@" + e.digest.str()));
  // Moving other:2 too: it was e's last name, so e becomes dangling.
  ASSERT_TRUE(svc.Tag("src:1", "other:2", "").ok());
  EXPECT_TRUE(HasRecord(root.store(), "moby-dangling@" + e.digest.str()));
  // Tagging a dangling image removes its dangling record.
  ASSERT_TRUE(svc.Tag(f.digest.str(), "named-now", "").ok());
  EXPECT_FALSE(HasRecord(root.store(), "moby-dangling@" + f.digest.str()));
  EXPECT_TRUE(HasRecord(root.store(), "docker.io/library/named-now:latest"));
  // Re-tagging the same target changes nothing.
  const std::vector<std::string> before = RecordNames(root.store());
  ASSERT_TRUE(svc.Tag("src:1", "other:2", "").ok());
  EXPECT_EQ(RecordNames(root.store()), before);

  struct Bad {
    std::string source, repo, tag;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"nope", "x", "", absl::StatusCode::kNotFound, "No such image: nope:latest"},
      {"src:1", "x@" + d.digest.str(), "", absl::StatusCode::kInvalidArgument,
       "cannot import digest reference"},
      {"src:1", "sha256", "1", absl::StatusCode::kInvalidArgument,
       "refusing to create an ambiguous tag using digest algorithm as name"},
      {"src:1", "B", "c", absl::StatusCode::kInvalidArgument,
       "invalid reference format: repository name (library/B) must be lowercase"},
      {"src:1", "x", "bad tag", absl::StatusCode::kInvalidArgument, "invalid tag format"},
  };
  for (const Bad& c : bad) {
    auto r = svc.Tag(c.source, c.repo, c.tag);
    EXPECT_EQ(r.status().code(), c.code) << c.repo << " " << r.status();
    EXPECT_EQ(Msg(r.status()), c.message);
  }
}

TEST(ImageServiceTagTest, MovingAUsedNameKeepsTheContainersContent) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor d = b.Image("d", {"l1"});
  const Descriptor e = b.Image("e", {"l2"});
  b.Name("app:latest", d);
  b.Name("next:1", e);
  ImageService svc(root.store());
  ContainerService containers(svc);
  ASSERT_TRUE(containers.Create({.image = "app"}).ok());
  ASSERT_TRUE(svc.Tag("next:1", "app", "latest").ok());
  EXPECT_TRUE(HasRecord(root.store(), "moby-dangling@" + d.digest.str()));
  // prune -a keeps both: the container's dangling record and the name it used.
  auto r = svc.prune().PruneJson(R"({"dangling":{"false":true}})", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ReportJson(r->report).find("app"), std::string::npos);
  for (const Digest& blob : PresentDigests(root.store(), d)) {
    EXPECT_TRUE(root.store().content().Info(blob).ok());
  }
  EXPECT_TRUE(HasRecord(root.store(), "moby-dangling@" + d.digest.str()));
}

// ---- remove

struct RemoveFixture {
  TempLocalStore root;
  GraphBuilder b{root.store()};
  ImageService svc{root.store()};
  ContainerService containers{svc};
};

TEST(ImageServiceRemoveTest, UntagOnlyWhileOtherNamesRemain) {
  RemoveFixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Name("busybox:latest", d);
  f.b.Name("busybox:a", d);
  f.b.Name("other:1", d);
  auto r = f.svc.Remove("busybox:a", false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<ReportItem>{ReportItem::Untagged("busybox:a")});
  r = f.svc.Remove("busybox", false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<ReportItem>{ReportItem::Untagged("busybox:latest")});
  EXPECT_TRUE(f.root.store().content().Info(d.digest).ok());
  // The last name: untagged and deleted, content collected.
  r = f.svc.Remove("other:1", false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<ReportItem>{ReportItem::Untagged("other:1"),
                                         ReportItem::Deleted(d.digest.str())}));
  EXPECT_FALSE(f.root.store().content().Info(d.digest).ok());
  auto fsck = f.root.store().Fsck(false);
  ASSERT_TRUE(fsck.ok());
  EXPECT_TRUE(fsck->clean());
}

TEST(ImageServiceRemoveTest, DigestReferencesGoWithTheLastTag) {
  RemoveFixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Name("alpine:3", d);
  f.b.Name("alpine@" + d.digest.str(), d);
  auto r = f.svc.Remove("alpine:3", false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<ReportItem>{ReportItem::Untagged("alpine:3"),
                                         ReportItem::Untagged("alpine@" + d.digest.str()),
                                         ReportItem::Deleted(d.digest.str())}));
  EXPECT_TRUE(RecordNames(f.root.store()).empty());
}

TEST(ImageServiceRemoveTest, ConflictsAndForce) {
  RemoveFixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Name("busybox:latest", d);
  auto created = f.containers.Create({.image = "busybox"});
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string cid = created->id.substr(0, 12);
  const std::string short_id(d.digest.ShortHex());

  auto r = f.svc.Remove("busybox", false, false);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(r.status()), "conflict: unable to remove repository reference \"busybox\" (must force) - container " +
                                 cid + " is using its referenced image " + short_id);
  r = f.svc.Remove(short_id, false, false);
  EXPECT_EQ(Msg(r.status()), "conflict: unable to delete " + short_id +
                                 " (must be forced) - image is being used by stopped container " + cid);
  // Force: the name goes, a dangling record keeps the content for the container.
  r = f.svc.Remove("busybox", true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<ReportItem>{ReportItem::Untagged("busybox:latest")});
  EXPECT_EQ(RecordNames(f.root.store()), std::vector<std::string>{"moby-dangling@" + d.digest.str()});
  EXPECT_TRUE(f.root.store().content().Info(d.digest).ok());
  auto pruned = f.svc.prune().PruneJson(R"({"dangling":{"true":true}})", {});
  ASSERT_TRUE(pruned.ok());
  EXPECT_TRUE(pruned->report.images_deleted.empty());
  // Once the container is gone, a dangling prune takes it.
  ASSERT_TRUE(f.containers.Remove(created->id, false).ok());
  pruned = f.svc.prune().PruneJson(R"({"dangling":{"true":true}})", {});
  ASSERT_TRUE(pruned.ok());
  ASSERT_FALSE(pruned->report.images_deleted.empty());
  EXPECT_EQ(pruned->report.images_deleted[0], ReportItem::Untagged(d.digest.str()));
}

TEST(ImageServiceRemoveTest, ByIdWithSeveralNamesNeedsForce) {
  RemoveFixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Name("a:1", d);
  f.b.Name("b:1", d);
  const std::string short_id(d.digest.ShortHex());
  for (const std::string& ref : {short_id, d.digest.str(), std::string(d.digest.hex())}) {
    auto r = f.svc.Remove(ref, false, false);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << ref;
    EXPECT_EQ(Msg(r.status()), "conflict: unable to delete " + short_id +
                                   " (must be forced) - image is referenced in multiple repositories");
  }
  auto r = f.svc.Remove(short_id, true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<ReportItem>{ReportItem::Untagged("a:1"), ReportItem::Untagged("b:1"),
                                         ReportItem::Deleted(d.digest.str())}));
  EXPECT_FALSE(f.root.store().content().Info(d.digest).ok());
}

TEST(ImageServiceRemoveTest, DanglingImageByIdAndErrors) {
  RemoveFixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Dangling(d);
  auto r = f.svc.Remove(d.digest.str(), false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<ReportItem>{ReportItem::Deleted(d.digest.str())});
  EXPECT_TRUE(RecordNames(f.root.store()).empty());
  auto missing = f.svc.Remove("nope", false, false);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(missing.status()), "No such image: nope:latest");
  auto blank = f.svc.Remove("", false, false);
  EXPECT_EQ(blank.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(blank.status()), "image name cannot be blank");
}

// ---- load, import, save

std::string SaveArchive(const std::string& seed, const std::string& name,
                        const std::vector<std::string>& layers, Descriptor* target) {
  TempLocalStore scratch;
  GraphBuilder b(scratch.store());
  *target = b.Image(seed, layers);
  b.Name(name, *target);
  std::string bytes;
  StringSink sink(&bytes);
  auto saved = SaveImages(scratch.store(), {name}, sink);
  EXPECT_TRUE(saved.ok()) << saved.status();
  return bytes;
}

TEST(ImageServiceLoadTest, DisplacedTargetUsedByAContainerStaysDangling) {
  for (bool used : {true, false}) {
    TempLocalStore root;
    ImageService svc(root.store());
    ContainerService containers(svc);
    Descriptor first, second;
    StringSource a(SaveArchive("v1", "app:1", {"base", "v1"}, &first));
    auto loaded = svc.Load(a);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->images.size(), 1u);
    EXPECT_EQ(loaded->images[0].Message(), "Loaded image: app:1");
    if (used) {
      ASSERT_TRUE(containers.Create({.image = "app:1"}).ok());
    }
    StringSource b(SaveArchive("v2", "app:1", {"base", "v2"}, &second));
    loaded = svc.Load(b);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(root.store().images().GetImage("docker.io/library/app:1")->target.digest,
              second.digest);
    EXPECT_EQ(HasRecord(root.store(), "moby-dangling@" + first.digest.str()), used);
  }
}

TEST(ImageServiceLoadTest, ImportAndSaveByShortId) {
  TempLocalStore root;
  ImageService svc(root.store());
  TarBuilder t1;
  t1.File("etc/hello", "one");
  StringSource s1(t1.Finish());
  ImportOptions o;
  o.name = "imp:1";
  auto first = svc.Import(s1, o);
  ASSERT_TRUE(first.ok()) << first.status();
  TarBuilder t2;
  t2.File("etc/hello", "two");
  StringSource s2(t2.Finish());
  auto second = svc.Import(s2, o);
  ASSERT_TRUE(second.ok()) << second.status();
  // The name moved; the old image was its last name, so it stays dangling.
  EXPECT_TRUE(HasRecord(root.store(), "moby-dangling@" + first->target.digest.str()));

  std::string bytes;
  StringSink sink(&bytes);
  auto saved = svc.Save({std::string(second->target.digest.hex().substr(0, 10)), "imp:1"}, sink);
  ASSERT_TRUE(saved.ok()) << saved.status();
  ASSERT_EQ(saved->images.size(), 2u);
  std::string nothing;
  StringSink empty(&nothing);
  auto missing = svc.Save({"nope"}, empty);
  EXPECT_EQ(Msg(missing.status()), "No such image: nope:latest");
  EXPECT_TRUE(nothing.empty());
}

// With an unpacker (a containerd store), each target a load or import brings
// in is unpacked once; "nothing for this platform" keeps the image packed;
// any other failure is the load's error, naming the image, with the records kept.
TEST(ImageServiceLoadTest, UnpacksEachLoadedTargetOnce) {
  TempLocalStore root;
  std::vector<std::string> unpacked;
  absl::Status answer = absl::OkStatus();
  ImageServiceOptions o;
  o.snapshotter = "overlayfs";
  o.unpack = [&](const Descriptor& target) {
    unpacked.push_back(target.digest.str());
    return answer;
  };
  ImageService svc(root.store(), o);
  Descriptor first;
  StringSource a(SaveArchive("v1", "app:1", {"base", "v1"}, &first));
  auto loaded = svc.Load(a);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(unpacked, std::vector<std::string>{first.digest.str()});

  answer = absl::NotFoundError("no match for platform in manifest");
  StringSource again(SaveArchive("v1", "app:1", {"base", "v1"}, &first));
  EXPECT_TRUE(svc.Load(again).ok());
  EXPECT_EQ(unpacked.size(), 2u);

  answer = absl::InvalidArgumentError("wrong diff id calculated on extraction");
  TarBuilder t;
  t.File("etc/hello", "one");
  StringSource rootfs(t.Finish());
  ImportOptions io;
  io.name = "imp:1";
  auto imported = svc.Import(rootfs, io);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(imported.status()),
            "loaded imp:1 but could not unpack it into overlayfs: wrong diff id "
            "calculated on extraction");
  EXPECT_TRUE(HasRecord(root.store(), "docker.io/library/imp:1"));
  EXPECT_EQ(unpacked.size(), 3u);
}

// A prune running while images load never loses what was loaded: the load's
// layers are shared with dangling images the prune deletes.
TEST(ImageServiceLoadTest, PruneConcurrentWithLoadLosesNothing) {
  std::vector<std::string> archives;
  std::vector<Descriptor> targets(3);
  for (int i = 0; i < 3; ++i) {
    archives.push_back(SaveArchive("loaded" + std::to_string(i), "loaded:" + std::to_string(i),
                                   {"shared-base", "shared-" + std::to_string(i)}, &targets[i]));
  }
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    TempLocalStore root;
    GraphBuilder b(root.store());
    for (int i = 0; i < 4; ++i) {
      b.Dangling(b.Image("dangling" + std::to_string(i), {"shared-base", "shared-" + std::to_string(i)}));
    }
    ImageService svc(root.store());
    std::atomic<bool> go{false};
    std::thread loader([&] {
      while (!go.load()) std::this_thread::yield();
      for (const std::string& a : archives) {
        StringSource src(a);
        auto r = svc.Load(src);
        EXPECT_TRUE(r.ok()) << r.status();
      }
    });
    std::thread pruner([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 3; ++i) {
        auto r = svc.prune().PruneJson("", {.wait = true});
        EXPECT_TRUE(r.ok()) << r.status();
      }
    });
    go = true;
    loader.join();
    pruner.join();
    for (int i = 0; i < 3; ++i) {
      auto rec = root.store().images().GetImage("docker.io/library/loaded:" + std::to_string(i));
      ASSERT_TRUE(rec.ok()) << rec.status();
      auto blobs = PresentBlobs(root.store(), rec->target);
      ASSERT_TRUE(blobs.ok());
      EXPECT_EQ(blobs->size(), 4u);  // manifest, config, two layers
      for (const ContentInfo& c : *blobs) {
        auto bytes = root.store().content().ReadBlob(c.digest, 1 << 20);
        EXPECT_TRUE(bytes.ok()) << c.digest.str() << " " << bytes.status();
      }
    }
    auto fsck = root.store().Fsck(false);
    ASSERT_TRUE(fsck.ok());
    EXPECT_TRUE(fsck->clean());
  }
}

// ---- system df

TEST(SystemDfTest, SizesAreWhatPruneFrees) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor a = b.Image("a", {"base", "a-top"}, {{"which", "a"}});
  const Descriptor c = b.Image("c", {"base", "c-top"}, {{"which", "c"}});
  b.Name("a:1", a);
  b.Name("c:1", c);
  b.Container(GraphBuilder::ContainerId("x"), "c:1", c.digest);
  ImageService svc(root.store());
  ContainerService containers(svc);
  auto df = ComputeSystemDf(svc, containers);
  ASSERT_TRUE(df.ok()) << df.status();
  std::set<Digest> every;
  for (const Digest& d : PresentDigests(root.store(), a)) every.insert(d);
  for (const Digest& d : PresentDigests(root.store(), c)) every.insert(d);
  EXPECT_EQ(df->layers_size, BlobBytes(root.store(), {every.begin(), every.end()}));
  ASSERT_EQ(df->images.size(), 2u);
  const ImageSummary& sa = df->images[0].id == a.digest ? df->images[0] : df->images[1];
  const ImageSummary& sc = df->images[0].id == a.digest ? df->images[1] : df->images[0];
  EXPECT_EQ(sa.containers, 0);
  EXPECT_EQ(sc.containers, 1);
  EXPECT_EQ(sa.shared_size, b.Layer("base").size);
  ASSERT_EQ(df->containers.size(), 1u);
  EXPECT_EQ(df->containers[0].size_root_fs, sc.size);
  // Pruning a alone frees exactly its unique bytes.
  auto r = svc.prune().PruneJson(R"({"dangling":{"false":true},"label":{"which=a":true}})", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(static_cast<int64_t>(r->report.space_reclaimed), sa.size - sa.shared_size);
  EXPECT_GT(r->report.space_reclaimed, 0u);
}
TEST(ImageServiceRemoveTest, AnOverLongReferenceIsEchoedBounded) {
  TempLocalStore root;
  ImageService svc(root.store());
  ContainerService containers(svc);
  const std::string huge(100000, 'x');
  auto removed = svc.Remove(huge, false, false);
  EXPECT_FALSE(removed.ok());
  EXPECT_LT(Msg(removed.status()).size(), 512u) << Msg(removed.status()).substr(0, 300);
  std::string nothing;
  StringSink sink(&nothing);
  auto saved = svc.Save({"x:" + huge}, sink);
  EXPECT_FALSE(saved.ok());
  EXPECT_LT(Msg(saved.status()).size(), 512u) << Msg(saved.status()).substr(0, 300);
  auto inspected = containers.Inspect(huge);
  EXPECT_EQ(Msg(inspected.status()),
            "No such container: " + std::string(256, 'x') + "... (100000 bytes)");
}

// ---- events

class RecordingSink final : public EventSink {
 public:
  void Publish(Event e) override { events.push_back(std::move(e)); }
  // "action actor name" per event, then clears.
  std::vector<std::string> Take() {
    std::vector<std::string> out;
    for (const Event& e : events) {
      auto name = e.attributes.find("name");
      out.push_back(e.type + " " + e.action + " " + e.actor_id + " " +
                    (name == e.attributes.end() ? "-" : name->second));
    }
    events.clear();
    return out;
  }
  std::vector<Event> events;
};

TEST(ImageServiceEventsTest, EveryChangePublishesMobysEvents) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  ImageSpec labelled;
  labelled.layers = {"l1"};
  labelled.labels = {{"team", "a"}};
  const Descriptor d = b.Image("d", labelled);
  const Descriptor e = b.Image("e", {"l2"});
  b.Name("src:1", d);
  b.Name("two:1", e);
  b.Name("two:2", e);
  RecordingSink sink;
  ImageService svc(root.store(), {.events = &sink});
  ContainerService containers(svc);
  const std::string id = d.digest.str();

  ASSERT_TRUE(svc.Tag("src:1", "new", "v1").ok());
  ASSERT_EQ(sink.events.size(), 1u);
  // The config's labels travel with the image's events, as moby's LogImageEvent does.
  EXPECT_EQ(sink.events[0].attributes.at("team"), "a");
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image tag " + id + " new:v1"}));

  // Untag only (another name remains), then the last names and the image.
  ASSERT_TRUE(svc.Remove("new:v1", false, false).ok());
  EXPECT_EQ(sink.events[0].attributes.at("team"), "a");
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image untag " + id + " new:v1"}));
  ASSERT_TRUE(svc.Remove("src:1", false, false).ok());
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image untag " + id + " src:1",
                                                    "image delete " + id + " " + id}));
  // A failed change says nothing.
  EXPECT_FALSE(svc.Remove("nope", false, false).ok());
  EXPECT_TRUE(sink.Take().empty());

  // Save, then load the same archive back.
  std::string archive;
  StringSink tar(&archive);
  ASSERT_TRUE(svc.Save({"two:1"}, tar).ok());
  const std::string eid = e.digest.str();
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image save " + eid + " two:1"}));
  StringSource source(archive);
  ASSERT_TRUE(svc.Load(source).ok());
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image load " + eid + " two:1"}));

  TarBuilder rootfs;
  rootfs.File("etc/hello", "one");
  StringSource rootfs_source(rootfs.Finish());
  auto imported = svc.Import(rootfs_source, {});
  ASSERT_TRUE(imported.ok()) << imported.status();
  const std::string iid = imported->target.digest.str();
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"image import " + iid + " " + iid}));

  // Containers: create and destroy carry the image as typed and the name.
  auto c = containers.Create({.name = "web", .image = "two:1", .labels = {{"tier", "front"}}});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].attributes,
            (Labels{{"image", "two:1"}, {"name", "web"}, {"tier", "front"}}));
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"container create " + c->id + " web"}));
  ASSERT_TRUE(containers.Remove("web", false).ok());
  EXPECT_EQ(sink.Take(), (std::vector<std::string>{"container destroy " + c->id + " web"}));

  // prune -a: untag per name, delete per image, then one `image prune` with
  // Docker's SpaceReclaimed.
  auto pruned = svc.prune().PruneJson(R"({"dangling":{"false":true}})", {});
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events.back().attributes.at("reclaimed"),
            std::to_string(pruned->report.space_reclaimed));
  EXPECT_GT(pruned->report.space_reclaimed, 0u);
  EXPECT_EQ(sink.Take(),
            (std::vector<std::string>{"image untag " + eid + " two:1",
                                      "image untag " + eid + " two:2",
                                      "image delete " + eid + " " + eid,
                                      // the import's dangling record: no name to untag
                                      "image delete " + iid + " " + iid, "image prune  -"}));
  // A dry run changes nothing and says nothing.
  ASSERT_TRUE(svc.prune().PruneJson(R"({"dangling":{"false":true}})", {.dry_run = true}).ok());
  EXPECT_TRUE(sink.Take().empty());
}

}  // namespace
}  // namespace reclaim
