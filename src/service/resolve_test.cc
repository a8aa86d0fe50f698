#include "service/resolve.h"

#include <string>
#include <vector>

#include "core/media_types.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

Digest D(char a, char b) {
  std::string hex(4, a);
  hex += std::string(60, b);
  auto d = Digest::FromSha256Hex(hex);
  EXPECT_TRUE(d.ok());
  return *d;
}

const Digest kD1 = D('a', '1');
const Digest kD2 = D('a', '2');
const Digest kD3 = D('b', '3');
const Digest kD4 = D('c', '4');

ImageRecord Rec(std::string name, const Digest& d) {
  ImageRecord r;
  r.name = std::move(name);
  r.target.media_type = std::string(media_types::kOciManifest);
  r.target.digest = d;
  r.target.size = 10;
  return r;
}

std::vector<ImageRecord> Records() {
  return {
      Rec("docker.io/library/busybox:latest", kD1),
      Rec("docker.io/library/busybox:a", kD1),
      Rec("docker.io/library/alpine:3", kD2),
      Rec("docker.io/library/alpine@" + kD2.str(), kD2),
      Rec("moby-dangling@" + kD3.str(), kD3),
      Rec("ghcr.io/o/r:tag", kD4),
  };
}

TEST(ParseAnyReferenceTest, DigestsAndNames) {
  auto hex = ParseAnyReference(std::string(kD1.hex()));
  ASSERT_TRUE(hex.ok());
  EXPECT_TRUE(hex->digest_only());
  EXPECT_EQ(hex->digest, kD1.str());
  auto full = ParseAnyReference(kD1.str());
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->digest_only());
  auto short_id = ParseAnyReference("sha256:aaaa");  // a name with tag "aaaa"
  ASSERT_TRUE(short_id.ok());
  ASSERT_FALSE(short_id->digest_only());
  EXPECT_EQ(short_id->named->String(), "docker.io/library/sha256:aaaa");
  auto named = ParseAnyReference("busybox@" + kD1.str());
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->digest, kD1.str());
  EXPECT_FALSE(ParseAnyReference("Upper").ok());
}

TEST(NoSuchImageTest, Texts) {
  struct Case {
    std::string ref, message;
  };
  const std::vector<Case> cases = {
      {"x", "No such image: x:latest"},
      {"x:1", "No such image: x:1"},
      {"docker.io/library/x", "No such image: x:latest"},
      {"ghcr.io/o/r", "No such image: ghcr.io/o/r:latest"},
      {kD1.str(), "No such image: " + kD1.str()},
      {std::string(kD1.hex()), "No such image: " + kD1.str()},
      {"abcd", "No such image: abcd:latest"},
      {"x@" + kD1.str(), "No such image: x@" + kD1.str()},
      {"Bad Ref", "No such image: Bad Ref"},
  };
  for (const Case& c : cases) {
    absl::Status s = NoSuchImage(c.ref);
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(std::string(s.message()), c.message) << c.ref;
  }
}

TEST(CheckTruncatedIdTest, Table) {
  EXPECT_EQ(CheckTruncatedId("abcd"), "abcd");
  EXPECT_EQ(CheckTruncatedId("sha256:abcd"), "abcd");
  EXPECT_EQ(CheckTruncatedId("abc"), "");
  EXPECT_EQ(CheckTruncatedId("ABCD"), "");
  EXPECT_EQ(CheckTruncatedId("abcg"), "");
  EXPECT_EQ(CheckTruncatedId(std::string(65, 'a')), "");
  EXPECT_TRUE(IsImageIdPrefix(kD1, "sha256:aaaa"));
  EXPECT_TRUE(IsImageIdPrefix(kD1, "aaaa1"));
  EXPECT_FALSE(IsImageIdPrefix(kD1, "busybox"));
}

TEST(ResolveImageTest, Table) {
  struct Case {
    std::string ref;
    std::string name;  // expected record; empty: error
    absl::StatusCode code = absl::StatusCode::kOk;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"busybox", "docker.io/library/busybox:latest"},
      {"busybox:a", "docker.io/library/busybox:a"},
      {"docker.io/library/busybox:latest", "docker.io/library/busybox:latest"},
      {"index.docker.io/library/busybox", "docker.io/library/busybox:latest"},
      {kD1.str(), "docker.io/library/busybox:a"},
      {std::string(kD1.hex()), "docker.io/library/busybox:a"},
      {"aaaa1", "docker.io/library/busybox:a"},
      {"sha256:aaaa1", "docker.io/library/busybox:a"},
      {"aaaa", "", absl::StatusCode::kNotFound, "ambiguous reference"},
      {"alpine@" + kD2.str(), "docker.io/library/alpine:3"},
      {"busybox@" + kD2.str(), "", absl::StatusCode::kNotFound,
       "No such image: busybox@" + kD2.str()},
      {"nope", "", absl::StatusCode::kNotFound, "No such image: nope:latest"},
      {"bbbb", "moby-dangling@" + kD3.str()},
      {"ghcr.io/o/r:tag", "ghcr.io/o/r:tag"},
      {"ghcr.io/o/r", "", absl::StatusCode::kNotFound, "No such image: ghcr.io/o/r:latest"},
      {"Upper", "", absl::StatusCode::kInvalidArgument,
       "invalid reference format: repository name (library/Upper) must be lowercase"},
      {D('d', '9').str(), "", absl::StatusCode::kNotFound, "No such image: " + D('d', '9').str()},
  };
  for (const Case& c : cases) {
    auto r = ResolveImage(Records(), c.ref);
    if (c.name.empty()) {
      EXPECT_EQ(r.status().code(), c.code) << c.ref << " " << r.status();
      EXPECT_EQ(std::string(r.status().message()), c.message) << c.ref;
    } else {
      ASSERT_TRUE(r.ok()) << c.ref << " " << r.status();
      EXPECT_EQ(r->name, c.name) << c.ref;
    }
  }
}

TEST(ResolveAllReferencesTest, Table) {
  struct Case {
    std::string ref;
    std::string image;  // "" when no record matched by name
    size_t all;
  };
  const std::vector<Case> cases = {
      {"busybox", "docker.io/library/busybox:latest", 2},
      {"busybox:a", "docker.io/library/busybox:a", 2},
      {"aaaa1", "", 2},
      {kD1.str(), "", 2},
      {"busybox@" + kD1.str(), "", 2},
      {"alpine:3", "docker.io/library/alpine:3", 2},
      {"bbbb", "", 1},
  };
  for (const Case& c : cases) {
    auto r = ResolveAllReferences(Records(), c.ref);
    ASSERT_TRUE(r.ok()) << c.ref << " " << r.status();
    EXPECT_EQ(r->image.has_value() ? r->image->name : "", c.image) << c.ref;
    EXPECT_EQ(r->all.size(), c.all) << c.ref;
  }
  EXPECT_EQ(ResolveAllReferences(Records(), "nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveAllReferences(Records(), "aaaa").status().code(), absl::StatusCode::kNotFound);
}

std::vector<std::string> Names(const std::vector<ImageRecord>& rs) {
  std::vector<std::string> out;
  for (const ImageRecord& r : rs) out.push_back(r.name);
  return out;
}

TEST(GetSameReferencesTest, Table) {
  const std::vector<ImageRecord> bb = {Rec("docker.io/library/busybox:a", kD1),
                                       Rec("docker.io/library/busybox:latest", kD1)};
  const std::vector<ImageRecord> alp = {Rec("docker.io/library/alpine:3", kD2),
                                        Rec("docker.io/library/alpine@" + kD2.str(), kD2)};
  const std::vector<ImageRecord> mixed = {Rec("docker.io/library/a:1", kD1),
                                          Rec("docker.io/library/b:1", kD1),
                                          Rec("moby-dangling@" + kD1.str(), kD1)};
  auto named = [](const std::string& s) { return std::optional<Reference>(*ParseNormalizedNamed(s)); };
  EXPECT_EQ(Names(GetSameReferences(named("busybox:latest"), bb)),
            std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_EQ(Names(GetSameReferences(named("busybox@" + kD1.str()), bb)), Names(bb));
  // No tag given: the first tag seen wins (moby's quirk).
  EXPECT_EQ(Names(GetSameReferences(named("busybox"), bb)),
            std::vector<std::string>{"docker.io/library/busybox:a"});
  // Digest references go with the last tag of their repository.
  EXPECT_EQ(Names(GetSameReferences(std::nullopt, alp)), Names(alp));
  EXPECT_EQ(Names(GetSameReferences(named("alpine:3"), alp)), Names(alp));
  // Other repositories are not the same reference; dangling records are.
  EXPECT_EQ(Names(GetSameReferences(named("a:1"), mixed)),
            (std::vector<std::string>{"docker.io/library/a:1", "moby-dangling@" + kD1.str()}));
}

}  // namespace
}  // namespace reclaim
