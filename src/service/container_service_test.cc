#include "service/container_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "service/testing/store_fixture.h"

namespace reclaim {
namespace {

using service_testing::GraphBuilder;
using service_testing::TempLocalStore;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct Fixture {
  explicit Fixture(const Clock* clock = nullptr) : root(clock), svc(root.store(), {.clock = clock}) {}
  TempLocalStore root;
  GraphBuilder b{root.store()};
  ImageService svc;
  ContainerService containers{svc};
};

TEST(ContainerServiceTest, CreateRecordsWhatWasTypedAndTheResolvedId) {
  Fixture f;
  const Descriptor d = f.b.Image("d", {"l"});
  f.b.Name("alpine:latest", d);
  f.b.Name("ghcr.io/o/r:1", d);
  const std::vector<std::string> forms = {
      "alpine", "alpine:latest", "docker.io/library/alpine", d.digest.str(),
      std::string(d.digest.hex()), std::string(d.digest.hex().substr(0, 6)),
      "alpine@" + d.digest.str(), "ghcr.io/o/r:1"};
  for (const std::string& image : forms) {
    auto c = f.containers.Create({.image = image, .cmd = {"echo", "hi"}, .labels = {{"a", "b"}}});
    ASSERT_TRUE(c.ok()) << image << " " << c.status();
    EXPECT_TRUE(IsHex64(c->id)) << c->id;
    auto info = f.containers.Inspect(c->id);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->image, image);
    EXPECT_EQ(info->image_id, d.digest);
    EXPECT_EQ(info->cmd, (std::vector<std::string>{"echo", "hi"}));
    EXPECT_EQ(info->Command(), "echo hi");
    EXPECT_EQ(info->labels, (Labels{{"a", "b"}}));
    EXPECT_EQ(info->state, "created");
    // A generated adjective_surname name.
    EXPECT_NE(info->name.find('_'), std::string::npos) << info->name;
  }
  auto missing = f.containers.Create({.image = "nope"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(missing.status()), "No such image: nope:latest");
  missing = f.containers.Create({.image = "alpine:3"});
  EXPECT_EQ(Msg(missing.status()), "No such image: alpine:3");
}

TEST(ContainerServiceTest, Names) {
  Fixture f;
  f.b.Name("alpine:latest", f.b.Image("d", {"l"}));
  auto first = f.containers.Create({.name = "/web", .image = "alpine"});
  ASSERT_TRUE(first.ok()) << first.status();
  auto dup = f.containers.Create({.name = "web", .image = "alpine"});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Msg(dup.status()), "Conflict. The container name \"/web\" is already in use by container \"" +
                                   first->id +
                                   "\". You have to remove (or rename) that container to be able "
                                   "to reuse that name.");
  for (const char* bad_name : {"x", "-x", "a b", "a/b", "/"}) {
    const std::string bad = bad_name;
    auto r = f.containers.Create({.name = bad, .image = "alpine"});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(Msg(r.status()),
              "Invalid container name (" + bad + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  EXPECT_TRUE(f.containers.Create({.name = "a.b_c-1", .image = "alpine"}).ok());
  auto by_name = f.containers.Inspect("/web");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, first->id);
  EXPECT_EQ(f.containers.Inspect("web")->id, first->id);
  EXPECT_EQ(f.containers.Inspect(first->id.substr(0, 12))->id, first->id);
}

TEST(ContainerServiceTest, ListRemoveAndErrors) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  Fixture f(&clock);
  f.b.Name("alpine:latest", f.b.Image("d", {"l"}));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto c = f.containers.Create({.name = "c" + std::to_string(i), .image = "alpine"});
    ASSERT_TRUE(c.ok());
    ids.push_back(c->id);
    clock.Advance(absl::Minutes(1));
  }
  auto list = f.containers.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "c2");  // newest first
  EXPECT_EQ((*list)[2].name, "c0");
  EXPECT_EQ((*list)[0].created, absl::FromUnixSeconds(1700000120));

  ASSERT_TRUE(f.containers.Remove("c1", false).ok());
  auto gone = f.containers.Inspect(ids[1]);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(gone.status()), "No such container: " + ids[1]);
  EXPECT_EQ(Msg(f.containers.Remove("y", false)), "No such container: y");
  EXPECT_EQ(f.containers.Remove("", false).code(), absl::StatusCode::kInvalidArgument);
  // The empty prefix is not a prefix match.
  EXPECT_EQ(f.containers.Inspect("").status().code(), absl::StatusCode::kNotFound);
}

TEST(ContainerServiceTest, Prune) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  Fixture f(&clock);
  f.b.Name("alpine:latest", f.b.Image("d", {"l"}));
  auto old = f.containers.Create({.name = "old", .image = "alpine", .labels = {{"env", "prod"}}});
  clock.Advance(absl::Hours(2));
  auto mid = f.containers.Create({.name = "mid", .image = "alpine", .labels = {{"env", "dev"}}});
  auto bare = f.containers.Create({.name = "bare", .image = "alpine"});
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE(old.ok() && mid.ok() && bare.ok());

  FilterArgs bad;
  bad.Add("dangling", "true");
  EXPECT_EQ(Msg(f.containers.Prune(bad).status()), "invalid filter 'dangling'");
  FilterArgs two;
  two.Add("until", "1h");
  two.Add("until", "2h");
  EXPECT_EQ(Msg(f.containers.Prune(two).status()), "more than one until filter specified");
  FilterArgs junk;
  junk.Add("until", "soon");
  EXPECT_TRUE(Msg(f.containers.Prune(junk).status()).starts_with("invalid value for 'until' filter: "));

  FilterArgs until;
  until.Add("until", "1h");
  auto r = f.containers.Prune(until);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->containers_deleted, std::vector<std::string>{old->id});
  FilterArgs not_dev;
  not_dev.Add("label!", "env=dev");
  r = f.containers.Prune(not_dev);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->containers_deleted, std::vector<std::string>{bare->id});
  FilterArgs dev;
  dev.Add("label", "env");
  r = f.containers.Prune(dev);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->containers_deleted, std::vector<std::string>{mid->id});
  r = f.containers.Prune({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->containers_deleted.empty());
  EXPECT_EQ(r->space_reclaimed, 0u);
}

// specs/prune.md §4.4 through both services: containers made with every
// reference form by ContainerService, then `docker image prune -a`.
TEST(ContainerServiceTest, WorkedExamplesThroughTheServices) {
  struct Example {
    std::vector<std::string> tags;
    std::string config_image;
    std::vector<std::string> kept;
  };
  const std::vector<Example> examples = {
      {{"latest"}, "{ID}", {"busybox:latest"}},
      {{"latest"}, "{HEX}", {"busybox:latest"}},
      {{"latest"}, "{HEX8}", {"busybox:latest"}},
      {{"latest"}, "busybox@{ID}", {"busybox:latest"}},
      {{"latest"}, "busybox:latest@{ID}", {"busybox:latest"}},
      {{"latest"}, "busybox", {"busybox:latest"}},
      {{"latest", "a"}, "{ID}", {"busybox:latest"}},
      {{"latest", "a"}, "busybox:latest@{ID}", {"busybox:latest"}},
      {{"latest", "a"}, "busybox", {"busybox:latest"}},
      {{"latest", "a"}, "busybox:a", {"busybox:a"}},
      {{"a", "e", "h", "j", "o", "q", "r", "s", "t", "w", "z"}, "{ID}", {"busybox:z"}},
  };
  for (const Example& ex : examples) {
    SCOPED_TRACE(ex.config_image + " over " + std::to_string(ex.tags.size()) + " tags");
    Fixture f;
    const Descriptor d = f.b.Image("busybox", {"l"});
    for (const std::string& t : ex.tags) f.b.Name("busybox:" + t, d);
    const std::string image = absl::StrReplaceAll(
        ex.config_image, {{"{ID}", d.digest.str()},
                          {"{HEX8}", std::string(d.digest.hex().substr(0, 8))},
                          {"{HEX}", std::string(d.digest.hex())}});
    ASSERT_TRUE(f.containers.Create({.image = image}).ok());
    auto dry = f.svc.prune().PruneJson(R"({"dangling":{"false":true}})", {.dry_run = true});
    auto r = f.svc.prune().PruneJson(R"({"dangling":{"false":true}})", {});
    ASSERT_TRUE(dry.ok() && r.ok());
    EXPECT_EQ(dry->report, r->report);
    auto list = f.svc.List({});
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].repo_tags, ex.kept);
    EXPECT_EQ(r->report.images_deleted.size(), ex.tags.size() - 1);
  }
}

}  // namespace
}  // namespace reclaim
