#include "service/inventory/inventory.h"

#include <string>
#include <vector>

#include "core/media_types.h"
#include "gtest/gtest.h"
#include "imageio/testing/image_builder.h"
#include "service/testing/store_fixture.h"

namespace reclaim {
namespace {

using service_testing::CountingStore;
using service_testing::GraphBuilder;
using service_testing::ImageSpec;
using service_testing::TempLocalStore;

TEST(ChainIdsTest, FollowsTheImageSpecDefinition) {
  const std::string a = Digest::Sha256Of("a").str();
  const std::string b = Digest::Sha256Of("b").str();
  const std::string c = Digest::Sha256Of("c").str();
  const std::string ab = Digest::Sha256Of(a + " " + b).str();
  const std::string abc = Digest::Sha256Of(ab + " " + c).str();
  EXPECT_EQ(ChainIds({}), std::vector<std::string>{});
  EXPECT_EQ(ChainIds({a}), std::vector<std::string>{a});
  EXPECT_EQ(ChainIds({a, b, c}), (std::vector<std::string>{a, ab, abc}));
}

TEST(ParseConfigSummaryTest, ReadsLabelsRootfsCreatedAndPlatform) {
  auto s = ParseConfigSummary(
      R"({"created":"2024-05-06T07:08:09.5Z","architecture":"arm64","os":"linux","variant":"v8",)"
      R"("config":{"Labels":{"a":"1","b":""}},"rootfs":{"type":"layers","diff_ids":["sha256:x","sha256:y"]}})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->labels, (Labels{{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(s->diff_ids, (std::vector<std::string>{"sha256:x", "sha256:y"}));
  EXPECT_EQ(s->chain_ids, ChainIds(s->diff_ids));
  ASSERT_TRUE(s->created.has_value());
  EXPECT_EQ(*s->created, absl::FromUnixMillis(1714979289500));
  EXPECT_EQ(s->platform.architecture, "arm64");
  EXPECT_EQ(s->platform.variant, "v8");
}

TEST(ParseConfigSummaryTest, FieldNamesMatchCaseInsensitivelyLikeGo) {
  auto s = ParseConfigSummary(R"({"Config":{"labels":{"k":"v"}},"RootFS":{"DIFF_IDS":["d"]}})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->labels, (Labels{{"k", "v"}}));
  EXPECT_EQ(s->diff_ids, std::vector<std::string>{"d"});
}

TEST(ParseConfigSummaryTest, NullNeverHidesAnotherSpelling) {
  // Go: null has no effect on ocispec.Image's struct and string fields, so the
  // value another spelling of the key carries stays, whatever the order.
  auto s = ParseConfigSummary(
      R"({"config":null,"Config":{"Labels":null,"labels":{"k":"v"}},)"
      R"("architecture":null,"Architecture":"arm64","OS":"linux","os":null})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->labels, (Labels{{"k", "v"}}));
  EXPECT_EQ(s->platform.architecture, "arm64");
  EXPECT_EQ(s->platform.os, "linux");
}

TEST(ParseConfigSummaryTest, Errors) {
  struct Case {
    std::string body;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"not json", false},
      {"[1]", false},
      {R"({"config":{"Labels":{"a":1}}})", false},
      {R"({"config":{"Labels":"x"}})", false},
      {R"({"rootfs":{"diff_ids":"x"}})", false},
      {R"({"config":null,"rootfs":null})", true},
      {R"({"created":"yesterday"})", true},  // read as absent
      {"null", true},
  };
  for (const Case& c : cases) {
    auto s = ParseConfigSummary(c.body);
    EXPECT_EQ(s.ok(), c.ok) << c.body << " " << s.status();
  }
  auto s = ParseConfigSummary(R"({"created":"yesterday"})");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->created.has_value());
}

TEST(WalkTargetTest, PreOrderSkipsAbsentBlobsAndMarksAttestations) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  ImageSpec amd;
  amd.layers = {"base", "top"};
  amd.labels = {{"k", "amd"}};
  const Descriptor m1 = b.Image("amd", amd);
  ImageSpec arm = amd;
  arm.arch = "arm64";
  arm.labels = {{"k", "arm"}};
  const Descriptor m2 = b.Image("arm", arm);
  const Descriptor att = b.Attestation("att", m1, {{"k", "att"}});
  const Descriptor absent = [] {
    Descriptor d;
    d.media_type = std::string(media_types::kOciManifest);
    d.digest = Digest::Sha256Of("not in the store");
    d.size = 3;
    return d;
  }();
  const Descriptor index = b.Index({m1, absent, m2, att, m1});

  TargetWalk walk = WalkTarget(
      root.store(), index, [&](const Digest& d) { return root.store().content().Info(d).ok(); },
      nullptr);
  ASSERT_TRUE(walk.error.ok()) << walk.error;
  // index, m1 (config, 2 layers), m2 (config, 2 layers; "base" is shared), att (config,
  // statement), m1 again: duplicates kept.
  ASSERT_EQ(walk.descriptors.size(), 1u + 4 + 4 + 3 + 4);
  EXPECT_EQ(walk.descriptors[0].digest, index.digest);
  EXPECT_EQ(walk.descriptors[1].digest, m1.digest);
  EXPECT_TRUE(IsConfig(walk.descriptors[2].media_type));
  EXPECT_EQ(walk.descriptors[5].digest, m2.digest);
  ASSERT_EQ(walk.configs.size(), 4u);
  EXPECT_EQ(walk.configs[0].labels, (Labels{{"k", "amd"}}));
  EXPECT_FALSE(walk.configs[0].attestation);
  EXPECT_EQ(walk.configs[1].labels, (Labels{{"k", "arm"}}));
  EXPECT_EQ(walk.configs[2].labels, (Labels{{"k", "att"}}));
  EXPECT_TRUE(walk.configs[2].attestation);
  EXPECT_FALSE(walk.configs[3].attestation);
  // Chain IDs: 2 + 2 + 1 + 2.
  EXPECT_EQ(walk.chain_ids.size(), 7u);
}

TEST(WalkTargetTest, CorruptConfigIsAWalkErrorAndAMissingOneIsSkipped) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  TestBlob bad = MakeTestBlob("{not json", media_types::kOciConfig);
  ASSERT_TRUE(PutTestBlob(root.store(), bad).ok());
  Descriptor layer = b.Layer("l");
  TestBlob manifest =
      MakeTestBlob(GoJsonOciManifest(bad.desc, {layer}), media_types::kOciManifest);
  ASSERT_TRUE(PutTestBlob(root.store(), manifest).ok());
  TargetWalk walk = WalkTarget(
      root.store(), manifest.desc, [](const Digest&) { return true; }, nullptr);
  EXPECT_EQ(walk.error.code(), absl::StatusCode::kInvalidArgument) << walk.error;

  // Present according to the listing but gone when read: skipped silently.
  Descriptor ghost_config = bad.desc;
  ghost_config.digest = Digest::Sha256Of("ghost");
  TestBlob m2 = MakeTestBlob(GoJsonOciManifest(ghost_config, {layer}), media_types::kOciManifest);
  ASSERT_TRUE(PutTestBlob(root.store(), m2).ok());
  TargetWalk walk2 =
      WalkTarget(root.store(), m2.desc, [](const Digest&) { return true; }, nullptr);
  EXPECT_TRUE(walk2.error.ok()) << walk2.error;
  EXPECT_EQ(walk2.descriptors.size(), 3u);
  EXPECT_TRUE(walk2.configs.empty());
}

TEST(GatherInventoryTest, OnePassOneWalkPerDistinctTarget) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  const Descriptor shared = b.Image("shared", {"base", "s"}, {{"x", "1"}});
  const Descriptor other = b.Image("other", {"base", "o"});
  for (int i = 0; i < 10; ++i) b.Name("shared:" + std::to_string(i), shared);
  b.Name("other:1", other);
  b.Dangling(other);
  b.Container(GraphBuilder::ContainerId("c"), "shared:1", shared.digest, {{"l", "v"}});
  ASSERT_TRUE(root.store()
                  .leases()
                  .CreateLease("lease-1", {{"containerd.io/gc.expire", "2999-01-01T00:00:00Z"}})
                  .ok());

  for (int parallelism : {1, 4}) {
    CountingStore counting(root.store());
    InventoryOptions o;
    o.parallelism = parallelism;
    TargetWalks walks;
    auto inv = GatherInventory(counting, o, &walks);
    ASSERT_TRUE(inv.ok()) << inv.status();
    // Two distinct targets: one manifest and one config read each; no Info calls.
    EXPECT_EQ(counting.read_blobs.load(), 4);
    EXPECT_EQ(counting.infos.load(), 0);
    EXPECT_EQ(walks.size(), 2u);
    ASSERT_EQ(inv->images.size(), 12u);
    for (const ImageInventory& img : inv->images) {
      EXPECT_TRUE(img.walk_error.ok());
      EXPECT_EQ(img.descriptors().size(), 4u) << img.record.name;
      EXPECT_EQ(img.descriptors().front().digest, img.record.target.digest);
      if (img.record.target.digest == shared.digest) {
        ASSERT_EQ(img.configs().size(), 1u);
        EXPECT_EQ(img.configs()[0].labels, (Labels{{"x", "1"}}));
        EXPECT_EQ(img.chain_ids().size(), 2u);
      }
    }
    EXPECT_EQ(inv->containers.size(), 1u);
    EXPECT_EQ(inv->graph.images.size(), 12u);
    EXPECT_EQ(inv->graph.containers.size(), 1u);
    EXPECT_EQ(inv->graph.leases.size(), 1u);
    // 3 layers + 2 configs + 2 manifests.
    EXPECT_EQ(inv->graph.content.size(), 7u);
    EXPECT_EQ(inv->content_sizes.size(), 7u);
    EXPECT_EQ(inv->content_sizes.at(shared.digest), shared.size);
    // gc labels of the manifest are in the graph.
    EXPECT_FALSE(inv->graph.content.at(shared.digest.str()).labels.empty());
  }
}

TEST(GatherInventoryTest, CacheAvoidsRereadingImmutableBlobs) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  b.Name("a:1", b.Image("a", {"l1"}));
  b.Name("b:1", b.Image("b", {"l2"}));
  BlobParseCache cache;
  InventoryOptions o;
  o.cache = &cache;
  CountingStore first(root.store());
  ASSERT_TRUE(GatherInventory(first, o).ok());
  EXPECT_EQ(first.read_blobs.load(), 4);
  EXPECT_EQ(cache.size(), 4u);
  CountingStore second(root.store());
  auto inv = GatherInventory(second, o);
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(second.read_blobs.load(), 0);
  EXPECT_EQ(inv->images[0].configs().size(), 1u);

  BlobParseCache tiny(3);
  o.cache = &tiny;
  ASSERT_TRUE(GatherInventory(root.store(), o).ok());
  EXPECT_LT(tiny.size(), 4u);
}

TEST(GatherInventoryTest, CancelledBeforeStart) {
  TempLocalStore root;
  GraphBuilder b(root.store());
  b.Name("a:1", b.Image("a", {"l1"}));
  CancelToken cancel;
  cancel.Cancel();
  InventoryOptions o;
  o.cancel = &cancel;
  EXPECT_EQ(GatherInventory(root.store(), o).status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace reclaim
