#include "imageio/distribution_source.h"

#include "gtest/gtest.h"
#include "imageio/testing/fake_store.h"

namespace reclaim {
namespace {

Reference Ref(const std::string& s) { return *ParseNormalizedNamed(s); }

TEST(DistributionSourceTest, KeysByHostWithoutPortAsContainerd) {
  EXPECT_EQ(DistributionSourceLabel("127.0.0.1:5000"), "containerd.io/distribution.source.127.0.0.1");
  EXPECT_EQ(DistributionSourceLabel("[::1]:5000"), "containerd.io/distribution.source.::1");
  EXPECT_EQ(DistributionSourceLabel("docker.io"), "containerd.io/distribution.source.docker.io");
}

TEST(DistributionSourceTest, AppendsEachRepositoryOnce) {
  EXPECT_EQ(AppendRepository("", "x/app"), "x/app");
  EXPECT_EQ(AppendRepository("x/app", "y/app"), "x/app,y/app");
  EXPECT_EQ(AppendRepository("x/app,y/app", "y/app"), "x/app,y/app");
  EXPECT_EQ(AppendRepository("x/app,y/app", "app"), "x/app,y/app,app");
}

TEST(DistributionSourceTest, AppendsToTheStoredLabelAndReadsItBack) {
  FakeStore store;
  absl::StatusOr<std::unique_ptr<ContentWriter>> w = store.content().Writer({.ref = "t"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("blob").ok());
  const Digest d = Digest::Sha256Of("blob");
  ASSERT_TRUE((*w)->Commit(4, d, {{"other", "kept"}}).ok());

  ASSERT_TRUE(AppendDistributionSource(store.content(), d, Ref("127.0.0.1:5000/x/app:1")).ok());
  ASSERT_TRUE(AppendDistributionSource(store.content(), d, Ref("127.0.0.1:6000/y/app")).ok());
  ASSERT_TRUE(AppendDistributionSource(store.content(), d, Ref("alpine:3")).ok());
  const Labels labels = store.content().Info(d)->labels;
  EXPECT_EQ(labels.at("containerd.io/distribution.source.127.0.0.1"), "x/app,y/app");
  EXPECT_EQ(labels.at("containerd.io/distribution.source.docker.io"), "library/alpine");
  EXPECT_EQ(labels.at("other"), "kept");

  std::vector<std::string> sources;
  for (const Reference& r : DistributionSources(labels)) sources.push_back(r.String());
  EXPECT_EQ(sources, (std::vector<std::string>{"127.0.0.1/x/app", "127.0.0.1/y/app",
                                               "docker.io/library/alpine"}));
  EXPECT_EQ(AppendDistributionSource(store.content(), Digest::Sha256Of("none"), Ref("a:1")).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace reclaim
