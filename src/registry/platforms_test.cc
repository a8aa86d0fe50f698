#include "registry/platforms.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

Platform P(std::string os, std::string arch, std::string variant = "") {
  Platform p;
  p.os = std::move(os);
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

TEST(PlatformsTest, Parse) {
  const struct {
    std::string spec;
    Platform want;
  } cases[] = {
      {"linux", P("linux", "amd64")},
      {"Linux", P("linux", "amd64")},
      {"macos", P("darwin", "amd64")},
      {"arm64", P("linux", "arm64")},
      {"aarch64", P("linux", "arm64")},
      {"armhf", P("linux", "arm")},  // arm/v7 prints without its variant
      {"armel", P("linux", "arm", "v6")},
      {"x86_64", P("linux", "amd64")},
      {"i386", P("linux", "386")},
      {"linux/amd64", P("linux", "amd64")},
      {"linux/x86-64", P("linux", "amd64")},
      {"linux/arm", P("linux", "arm")},
      {"linux/arm/7", P("linux", "arm", "v7")},
      {"linux/arm/v6", P("linux", "arm", "v6")},
      {"linux/arm/5", P("linux", "arm", "v5")},
      {"linux/arm64/v8", P("linux", "arm64", "v8")},
      {"linux/aarch64/8", P("linux", "arm64", "v8")},
      {"linux/arm64", P("linux", "arm64")},
      {"linux/amd64/v1", P("linux", "amd64")},
      {"linux/amd64/v3", P("linux", "amd64", "v3")},
      {"windows/amd64", P("windows", "amd64")},
      {"LINUX/ARM64", P("linux", "arm64")},
      {"plan9/whatever", P("plan9", "whatever")},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Platform> p = ParsePlatform(c.spec);
    ASSERT_TRUE(p.ok()) << c.spec << ": " << p.status();
    EXPECT_EQ(*p, c.want) << c.spec << " -> " << FormatPlatform(*p);
  }
}

TEST(PlatformsTest, ParseErrors) {
  const struct {
    std::string spec, error;
  } cases[] = {
      {"linux/*", "\"linux/*\": wildcards not yet supported: invalid argument"},
      {"",
       "\"\" is an invalid component of \"\": platform specifier component must match "
       "\"^[A-Za-z0-9_-]+$\": invalid argument"},
      {"linux/",
       "\"\" is an invalid component of \"linux/\": platform specifier component must "
       "match \"^[A-Za-z0-9_-]+$\": invalid argument"},
      {"linux/am d64",
       "\"am d64\" is an invalid component of \"linux/am d64\": platform specifier "
       "component must match \"^[A-Za-z0-9_-]+$\": invalid argument"},
      {"toaster", "\"toaster\": unknown operating system or architecture: invalid argument"},
      {"a/b/c/d", "\"a/b/c/d\": cannot parse platform specifier: invalid argument"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Platform> p = ParsePlatform(c.spec);
    ASSERT_FALSE(p.ok()) << c.spec;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.error);
  }
}

TEST(PlatformsTest, Normalize) {
  EXPECT_EQ(NormalizePlatform(P("Linux", "x86_64", "v1")), P("linux", "amd64"));
  EXPECT_EQ(NormalizePlatform(P("linux", "aarch64", "8")), P("linux", "arm64"));
  EXPECT_EQ(NormalizePlatform(P("linux", "arm")), P("linux", "arm", "v7"));
  EXPECT_EQ(NormalizePlatform(P("linux", "arm", "6")), P("linux", "arm", "v6"));
  EXPECT_EQ(NormalizePlatform(P("linux", "armhf")), P("linux", "arm", "v7"));
  EXPECT_EQ(NormalizePlatform(P("linux", "i386", "x")), P("linux", "386"));
  EXPECT_EQ(FormatPlatform(P("linux", "arm", "v7")), "linux/arm/v7");
  EXPECT_EQ(FormatPlatform(DefaultPlatform()), "linux/amd64");
}

TEST(PlatformsTest, OnlyMatching) {
  const struct {
    Platform want;
    Platform candidate;
    bool match;
  } cases[] = {
      {P("linux", "amd64"), P("linux", "amd64"), true},
      {P("linux", "amd64"), P("linux", "x86_64"), true},
      {P("linux", "amd64"), P("linux", "386"), true},
      {P("linux", "amd64"), P("linux", "arm64"), false},
      {P("linux", "amd64"), P("windows", "amd64"), false},
      {P("linux", "amd64"), P("linux", "amd64", "v2"), false},
      {P("linux", "amd64", "v3"), P("linux", "amd64", "v2"), true},
      {P("linux", "amd64", "v3"), P("linux", "amd64"), true},
      {P("linux", "amd64", "v2"), P("linux", "amd64", "v3"), false},
      {P("linux", "arm", "v7"), P("linux", "arm", "v6"), true},
      {P("linux", "arm", "v7"), P("linux", "arm", "v5"), true},
      {P("linux", "arm", "v7"), P("linux", "arm"), true},
      {P("linux", "arm", "v6"), P("linux", "arm", "v7"), false},
      {P("linux", "arm64"), P("linux", "arm64", "v8"), true},
      {P("linux", "arm64"), P("linux", "aarch64"), true},
      {P("linux", "arm64"), P("linux", "arm", "v8"), true},
      {P("linux", "arm64"), P("linux", "arm", "v7"), true},
      {P("linux", "arm64"), P("linux", "arm", "v5"), true},
      {P("linux", "arm64"), P("linux", "amd64"), false},
      {P("linux", "arm64"), P("unknown", "unknown"), false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PlatformMatcher::Only(c.want).Match(c.candidate), c.match)
        << FormatPlatform(c.want) << " vs " << FormatPlatform(c.candidate);
  }
  PlatformMatcher arm64 = PlatformMatcher::Only(P("linux", "arm64"));
  EXPECT_TRUE(arm64.Less(P("linux", "arm64"), P("linux", "arm", "v8")));
  EXPECT_TRUE(arm64.Less(P("linux", "arm", "v7"), P("linux", "arm", "v6")));
  EXPECT_FALSE(arm64.Less(P("linux", "arm", "v6"), P("linux", "arm", "v7")));
}

Descriptor Entry(char hex, std::optional<Platform> p) {
  Descriptor d;
  d.media_type = "application/vnd.oci.image.manifest.v1+json";
  d.digest = *Digest::FromSha256Hex(std::string(64, hex));
  d.size = 100;
  d.platform = std::move(p);
  return d;
}

TEST(PlatformsTest, SelectManifest) {
  Index index;
  index.manifests = {Entry('1', P("linux", "arm", "v6")), Entry('2', P("linux", "arm", "v7")),
                     Entry('3', P("unknown", "unknown")), Entry('4', P("linux", "386")),
                     Entry('5', P("linux", "amd64")),     Entry('6', P("linux", "arm64", "v8"))};
  const struct {
    Platform want;
    char pick;
  } cases[] = {
      {P("linux", "amd64"), '5'},
      {P("linux", "arm64"), '6'},
      {P("linux", "arm", "v7"), '2'},
      {P("linux", "arm", "v6"), '1'},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Descriptor> d = SelectManifest(index, PlatformMatcher::Only(c.want));
    ASSERT_TRUE(d.ok()) << FormatPlatform(c.want);
    EXPECT_EQ(d->digest.hex()[0], c.pick) << FormatPlatform(c.want);
  }
  // Fallbacks: amd64 takes 386 when nothing better exists; arm64 takes arm.
  Index old;
  old.manifests = {Entry('a', P("linux", "arm", "v7")), Entry('b', P("linux", "386"))};
  EXPECT_EQ(SelectManifest(old, PlatformMatcher::Only(P("linux", "amd64")))->digest.hex()[0], 'b');
  EXPECT_EQ(SelectManifest(old, PlatformMatcher::Only(P("linux", "arm64")))->digest.hex()[0], 'a');
  // Entries without a platform qualify, after every matching one.
  Index bare;
  bare.manifests = {Entry('c', std::nullopt), Entry('d', P("linux", "amd64"))};
  EXPECT_EQ(SelectManifest(bare, PlatformMatcher::Only(P("linux", "amd64")))->digest.hex()[0], 'd');
  EXPECT_EQ(SelectManifest(bare, PlatformMatcher::Only(P("linux", "s390x")))->digest.hex()[0], 'c');

  absl::StatusOr<Descriptor> none =
      SelectManifest(index, PlatformMatcher::Only(P("windows", "amd64")));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "no match for platform in manifest: not found");
}

}  // namespace
}  // namespace reclaim
