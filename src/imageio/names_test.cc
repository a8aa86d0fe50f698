#include "imageio/names.h"

#include <string>
#include <vector>

#include "core/digest.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(NamesTest, NormalizeDockerRef) {
  struct Case {
    std::string in;
    std::string want;  // empty: error
  };
  const std::string hex(64, 'a');
  const std::vector<Case> cases = {
      {"alpine", "docker.io/library/alpine:latest"},
      {"alpine:3", "docker.io/library/alpine:3"},
      {"user/app", "docker.io/user/app:latest"},
      {"localhost:5000/x:y", "localhost:5000/x:y"},
      {"ghcr.io/o/r@sha256:" + hex, "ghcr.io/o/r@sha256:" + hex},
      {"a:1@sha256:" + hex, "docker.io/library/a@sha256:" + hex},  // tag dropped
      {"UPPER", ""},
      {"", ""},
  };
  for (const Case& c : cases) {
    auto got = NormalizeDockerRef(c.in);
    if (c.want.empty()) {
      EXPECT_FALSE(got.ok()) << c.in;
    } else {
      ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
      EXPECT_EQ(*got, c.want);
    }
  }
}

TEST(NamesTest, OciReferenceNameAndFamiliar) {
  const std::string hex(64, 'b');
  EXPECT_EQ(OciReferenceName("docker.io/library/alpine:3"), "3");
  EXPECT_EQ(OciReferenceName("localhost:5000/x:y"), "y");
  EXPECT_EQ(OciReferenceName("docker.io/library/a@sha256:" + hex), "@sha256:" + hex);
  EXPECT_EQ(OciReferenceName("docker.io/library/a"), "");
  EXPECT_EQ(*FamiliarTaggedName("docker.io/library/alpine"), "alpine:latest");
  EXPECT_EQ(*FamiliarTaggedName("ghcr.io/o/r:1"), "ghcr.io/o/r:1");
  EXPECT_FALSE(FamiliarTaggedName("Bad Name").ok());
}

TEST(NamesTest, AnnotationsAndDangling) {
  EXPECT_EQ(ImageNameFromAnnotations({}), "");
  EXPECT_EQ(ImageNameFromAnnotations({{"org.opencontainers.image.ref.name", "v1"}}), "v1");
  EXPECT_EQ(ImageNameFromAnnotations({{"org.opencontainers.image.ref.name", "v1"},
                                      {"io.containerd.image.name", "docker.io/library/a:v1"}}),
            "docker.io/library/a:v1");
  const Digest d = Digest::Sha256Of("x");
  EXPECT_EQ(DanglingImageName(d), "moby-dangling@" + d.str());
  EXPECT_TRUE(IsDanglingName(DanglingImageName(d), d));
  EXPECT_FALSE(IsDanglingName(DanglingImageName(d), Digest::Sha256Of("y")));
  EXPECT_FALSE(IsDanglingName("docker.io/library/a:1", d));
}

TEST(NamesTest, NormalizePlatform) {
  struct Case {
    Platform in;
    Platform want;
  };
  const std::vector<Case> cases = {
      {{"x86_64", "Linux", "", "", {}}, {"amd64", "linux", "", "", {}}},
      {{"amd64", "", "v1", "", {}}, {"amd64", "linux", "", "", {}}},
      {{"aarch64", "linux", "v8", "", {}}, {"arm64", "linux", "", "", {}}},
      {{"armhf", "linux", "", "", {}}, {"arm", "linux", "v7", "", {}}},
      {{"armel", "linux", "", "", {}}, {"arm", "linux", "v6", "", {}}},
      {{"arm", "linux", "", "", {}}, {"arm", "linux", "v7", "", {}}},
      {{"arm", "linux", "5", "", {}}, {"arm", "linux", "v5", "", {}}},
      {{"i386", "linux", "x", "", {}}, {"386", "linux", "", "", {}}},
      {{"amd64", "windows", "", "10.0.1", {"win32k"}},
       {"amd64", "windows", "", "10.0.1", {"win32k"}}},
      {{"s390x", "macos", "", "", {}}, {"s390x", "darwin", "", "", {}}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NormalizePlatform(c.in), c.want) << c.in.architecture << "/" << c.in.os;
  }
}

}  // namespace
}  // namespace reclaim
