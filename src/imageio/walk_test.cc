#include "imageio/walk.h"

#include <string>
#include <vector>

#include "core/digest.h"
#include "core/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "imageio/go_json.h"
#include "imageio/testing/fake_store.h"
#include "imageio/testing/image_builder.h"
#include "imageio/testing/test_stores.h"

namespace reclaim {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Visit(Store& store, const Descriptor& root, absl::Status* status) {
  std::vector<std::string> seen;
  *status = WalkPresentChildren(store, root, [&](const Descriptor& d) {
    seen.push_back(d.digest.str());
    return absl::OkStatus();
  });
  return seen;
}

std::vector<std::string> Digests(std::initializer_list<const TestBlob*> blobs) {
  std::vector<std::string> out;
  for (const TestBlob* b : blobs) out.push_back(b->desc.digest.str());
  return out;
}

// ------------------------------------------------------------ table over stores

class WalkTest : public ::testing::TestWithParam<TestStoreKind> {};

struct WalkCase {
  std::string name;
  // Puts content into the store; returns the root and the expected visit order.
  std::function<std::pair<Descriptor, std::vector<std::string>>(Store&)> setup;
};

TestImage ImgA() { return MakeTestImage("a", 2); }
TestImage ImgB() { return MakeTestImage("b", 1, "arm64"); }

std::vector<WalkCase> WalkCases() {
  return {
      {"CompleteManifestIsConfigThenLayers",
       [](Store& s) {
         TestImage a = ImgA();
         EXPECT_TRUE(PutTestImage(s, a).ok());
         return std::make_pair(a.manifest.desc,
                               Digests({&a.manifest, &a.config, &a.layers[0], &a.layers[1]}));
       }},
      {"MissingLayerIsSkipped",
       [](Store& s) {
         TestImage a = ImgA();
         EXPECT_TRUE(PutTestBlob(s, a.manifest).ok());
         EXPECT_TRUE(PutTestBlob(s, a.config).ok());
         EXPECT_TRUE(PutTestBlob(s, a.layers[1]).ok());
         return std::make_pair(a.manifest.desc, Digests({&a.manifest, &a.config, &a.layers[1]}));
       }},
      {"MissingConfigIsSkipped",
       [](Store& s) {
         TestImage a = ImgA();
         EXPECT_TRUE(PutTestBlob(s, a.manifest).ok());
         EXPECT_TRUE(PutTestBlob(s, a.layers[0]).ok());
         EXPECT_TRUE(PutTestBlob(s, a.layers[1]).ok());
         return std::make_pair(a.manifest.desc, Digests({&a.manifest, &a.layers[0], &a.layers[1]}));
       }},
      {"MissingRootVisitsNothing",
       [](Store& s) {
         TestImage a = ImgA();
         EXPECT_TRUE(PutTestBlob(s, a.config).ok());
         return std::make_pair(a.manifest.desc, std::vector<std::string>{});
       }},
      {"IndexWithSeveralPlatformsNoFiltering",
       [](Store& s) {
         TestImage a = ImgA(), b = ImgB();
         TestIndex idx = MakeTestIndex({a, b});
         EXPECT_TRUE(PutTestIndex(s, idx).ok());
         return std::make_pair(idx.index.desc,
                               Digests({&idx.index, &a.manifest, &a.config, &a.layers[0],
                                        &a.layers[1], &b.manifest, &b.config, &b.layers[0]}));
       }},
      {"IndexWithMissingPlatformSkipsItsSubtree",
       [](Store& s) {
         TestImage a = ImgA(), b = ImgB();
         TestIndex idx = MakeTestIndex({a, b});
         EXPECT_TRUE(PutTestBlob(s, idx.index).ok());
         EXPECT_TRUE(PutTestImage(s, b).ok());
         EXPECT_TRUE(PutTestBlob(s, a.config).ok());  // present but unreachable
         return std::make_pair(idx.index.desc,
                               Digests({&idx.index, &b.manifest, &b.config, &b.layers[0]}));
       }},
      {"DuplicatesAreVisitedTwice",
       [](Store& s) {
         TestImage a = MakeTestImage("dup", 1);
         TestIndex idx = MakeTestIndex({a, a});
         EXPECT_TRUE(PutTestIndex(s, idx).ok());
         return std::make_pair(
             idx.index.desc, Digests({&idx.index, &a.manifest, &a.config, &a.layers[0], &a.manifest,
                                      &a.config, &a.layers[0]}));
       }},
      {"LayerTypesHaveNoChildren",
       [](Store& s) {
         TestImage a = ImgA();
         EXPECT_TRUE(PutTestBlob(s, a.layers[0]).ok());
         return std::make_pair(a.layers[0].desc, Digests({&a.layers[0]}));
       }},
      {"UnknownTypeIsNotRead",
       [](Store& s) {
         TestBlob odd = MakeTestBlob("not json at all", "application/x-unknown");
         EXPECT_TRUE(PutTestBlob(s, odd).ok());
         return std::make_pair(odd.desc, Digests({&odd}));
       }},
  };
}

TEST_P(WalkTest, Table) {
  for (const WalkCase& c : WalkCases()) {
    SCOPED_TRACE(c.name);
    TestStore store(GetParam());
    auto [root, want] = c.setup(*store);
    absl::Status status;
    std::vector<std::string> got = Visit(*store, root, &status);
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_THAT(got, ElementsAreArray(want));
  }
}

TEST_P(WalkTest, CorruptManifestAbortsAfterVisitingIt) {
  TestStore store(GetParam());
  TestBlob bad = MakeTestBlob("{not json", media_types::kOciManifest);
  ASSERT_TRUE(PutTestBlob(*store, bad).ok());
  absl::Status status;
  std::vector<std::string> got = Visit(*store, bad.desc, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("children: invalid desc " + bad.desc.digest.str()));
  EXPECT_THAT(got, ElementsAreArray(Digests({&bad})));
}

TEST_P(WalkTest, CorruptChildManifestAbortsTheWholeWalk) {
  TestStore store(GetParam());
  TestImage a = ImgA();
  // The index says "manifest" but the blob is an index body: media-type mismatch.
  TestBlob inner = MakeTestBlob(
      "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
      "\"manifests\":[]}",
      media_types::kOciManifest);
  TestIndex idx = MakeTestIndex({a});
  std::vector<Descriptor> ms = {inner.desc, a.manifest.desc};
  TestBlob index = MakeTestBlob(GoJsonOciIndex(ms), media_types::kOciIndex);
  ASSERT_TRUE(PutTestImage(*store, a).ok());
  ASSERT_TRUE(PutTestBlob(*store, inner).ok());
  ASSERT_TRUE(PutTestBlob(*store, index).ok());
  absl::Status status;
  std::vector<std::string> got = Visit(*store, index.desc, &status);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("expected manifest but found index"));
  // Pre-order: the second manifest is never reached.
  EXPECT_THAT(got, ElementsAreArray(Digests({&index, &inner})));
}

TEST_P(WalkTest, CallbackErrorAborts) {
  TestStore store(GetParam());
  TestImage a = ImgA();
  ASSERT_TRUE(PutTestImage(*store, a).ok());
  int calls = 0;
  absl::Status s = WalkPresentChildren(*store, a.manifest.desc, [&](const Descriptor& d) {
    ++calls;
    if (d.digest == a.config.desc.digest) return absl::CancelledError("stop");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 2);
}

TEST_P(WalkTest, PresentConfigsAndBlobs) {
  TestStore store(GetParam());
  TestImage a = ImgA(), b = ImgB();
  TestIndex idx = MakeTestIndex({a, b, a});
  ASSERT_TRUE(PutTestBlob(*store, idx.index).ok());
  ASSERT_TRUE(PutTestImage(*store, a).ok());
  ASSERT_TRUE(PutTestBlob(*store, b.manifest).ok());  // b's config and layer absent

  auto configs = PresentConfigs(*store, idx.index.desc);
  ASSERT_TRUE(configs.ok()) << configs.status();
  ASSERT_EQ(configs->size(), 1u);  // a's config once, although reached twice
  EXPECT_EQ((*configs)[0].digest, a.config.desc.digest);

  auto blobs = PresentBlobs(*store, idx.index.desc);
  ASSERT_TRUE(blobs.ok()) << blobs.status();
  std::vector<std::string> want =
      Digests({&idx.index, &a.manifest, &a.config, &a.layers[0], &a.layers[1], &b.manifest});
  std::sort(want.begin(), want.end());
  std::vector<std::string> got;
  for (const ContentInfo& i : *blobs) {
    got.push_back(i.digest.str());
    if (i.digest == a.layers[0].desc.digest) {
      EXPECT_EQ(i.size, a.layers[0].desc.size);
    }
  }
  EXPECT_THAT(got, ElementsAreArray(want));
}

TEST_P(WalkTest, DeeplyNestedIndexesDoNotRecurse) {
  TestStore store(GetParam());
  TestImage a = MakeTestImage("deep", 1);
  ASSERT_TRUE(PutTestImage(*store, a).ok());
  Descriptor child = a.manifest.desc;
  const int kDepth = GetParam() == TestStoreKind::kFake ? 3000 : 300;
  for (int i = 0; i < kDepth; ++i) {
    TestBlob idx = MakeTestBlob(GoJsonOciIndex({child}), media_types::kOciIndex);
    ASSERT_TRUE(PutTestBlob(*store, idx).ok());
    child = idx.desc;
  }
  absl::Status status;
  std::vector<std::string> got = Visit(*store, child, &status);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(got.size(), static_cast<size_t>(kDepth + 3));
  EXPECT_EQ(got.back(), a.layers[0].desc.digest.str());
}

INSTANTIATE_TEST_SUITE_P(Stores, WalkTest, ::testing::ValuesIn(AllTestStores()), TestStoreName);

// ------------------------------------------------------------ fault injection

TEST(WalkFaultTest, InfoErrorOtherThanNotFoundAborts) {
  FakeStore store;
  TestImage a = ImgA();
  ASSERT_TRUE(PutTestImage(store, a).ok());
  const Digest bad = a.layers[0].desc.digest;
  store.set_fault([bad](std::string_view op, const Digest& d) {
    return op == "Info" && d == bad ? absl::UnavailableError("store down") : absl::OkStatus();
  });
  absl::Status status;
  std::vector<std::string> got = Visit(store, a.manifest.desc, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(got, ElementsAreArray(Digests({&a.manifest, &a.config})));
}

TEST(WalkFaultTest, NotFoundWhileReadingChildrenSkipsThem) {
  FakeStore store;
  TestImage a = ImgA();
  ASSERT_TRUE(PutTestImage(store, a).ok());
  const Digest m = a.manifest.desc.digest;
  store.set_fault([m](std::string_view op, const Digest& d) {
    return op == "ReadBlob" && d == m ? absl::NotFoundError("gone") : absl::OkStatus();
  });
  absl::Status status;
  std::vector<std::string> got = Visit(store, a.manifest.desc, &status);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(got, ElementsAreArray(Digests({&a.manifest})));
}

TEST(WalkFaultTest, OtherReadErrorsAbort) {
  FakeStore store;
  TestImage a = ImgA();
  ASSERT_TRUE(PutTestImage(store, a).ok());
  const Digest m = a.manifest.desc.digest;
  store.set_fault([m](std::string_view op, const Digest& d) {
    return op == "ReadBlob" && d == m ? absl::PermissionDeniedError("no") : absl::OkStatus();
  });
  absl::Status status;
  Visit(store, a.manifest.desc, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

// ------------------------------------------------------------ gc labels

TEST(ChildGcLabelsTest, Table) {
  auto desc = [](std::string_view mt, std::string_view seed) {
    Descriptor d;
    d.media_type = std::string(mt);
    d.digest = Digest::Sha256Of(seed);
    return d;
  };
  const Descriptor cfg = desc(media_types::kDockerConfig, "c");
  const Descriptor cfg2 = desc(media_types::kContainerdCheckpointConfig, "c2");
  const Descriptor l0 = desc(media_types::kDockerLayerGzip, "l0");
  const Descriptor l1 = desc(media_types::kOciLayerZstd, "l1");
  const Descriptor m0 = desc(media_types::kOciManifest, "m0");
  const Descriptor m1 = desc(media_types::kDockerManifest, "m1");
  const Descriptor idx = desc(media_types::kOciIndex, "i");
  const Descriptor odd = desc(media_types::kInToto, "x");
  struct Case {
    std::vector<Descriptor> children;
    Labels want;
  };
  const std::string p = "containerd.io/gc.ref.content.";
  std::vector<Case> cases = {
      {{}, {}},
      {{cfg, l0, l1},
       {{p + "config", cfg.digest.str()},
        {p + "l.0", l0.digest.str()},
        {p + "l.1", l1.digest.str()}}},
      {{m0, m1, idx, odd},
       {{p + "m.0", m0.digest.str()},
        {p + "m.1", m1.digest.str()},
        {p + "0", idx.digest.str()},
        {p + "1", odd.digest.str()}}},
      {{cfg, cfg2}, {{p + "config", cfg.digest.str()}, {p + "config1", cfg2.digest.str()}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ChildGcLabels(cases[i].children), cases[i].want);
  }
}

}  // namespace
}  // namespace reclaim
