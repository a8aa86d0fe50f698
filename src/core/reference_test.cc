#include "core/reference.h"

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

using ::testing::ElementsAreArray;

const std::string kHex = "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";
const std::string kD = "sha256:" + kHex;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// ---------------------------------------------------------------------------
// Successful normalisation.

struct NormalizeCase {
  std::string input;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
  std::string string;           // String()
  std::string familiar_string;  // FamiliarString()
};

std::vector<NormalizeCase> NormalizeCases() {
  return {
      // Familiar names get docker.io and library/.
      {"busybox", "docker.io", "library/busybox", "", "", "docker.io/library/busybox", "busybox"},
      {"busybox:latest", "docker.io", "library/busybox", "latest", "",
       "docker.io/library/busybox:latest", "busybox:latest"},
      {"user/app:1", "docker.io", "user/app", "1", "", "docker.io/user/app:1", "user/app:1"},
      {"docker.io/library/a:1", "docker.io", "library/a", "1", "", "docker.io/library/a:1", "a:1"},
      {"docker.io/user/a:1", "docker.io", "user/a", "1", "", "docker.io/user/a:1", "user/a:1"},
      {"docker.io/debian", "docker.io", "library/debian", "", "", "docker.io/library/debian",
       "debian"},
      {"index.docker.io/debian", "docker.io", "library/debian", "", "",
       "docker.io/library/debian", "debian"},
      {"index.docker.io/docker/docker", "docker.io", "docker/docker", "", "",
       "docker.io/docker/docker", "docker/docker"},
      {"library/foo/bar", "docker.io", "library/foo/bar", "", "", "docker.io/library/foo/bar",
       "library/foo/bar"},
      {"docker.io/library/a/b:1", "docker.io", "library/a/b", "1", "",
       "docker.io/library/a/b:1", "library/a/b:1"},
      {"other/library", "docker.io", "other/library", "", "", "docker.io/other/library",
       "other/library"},
      {"docker.io", "docker.io", "library/docker.io", "", "", "docker.io/library/docker.io",
       "docker.io"},
      // Other registries stay as they are.
      {"ghcr.io/o/r:t", "ghcr.io", "o/r", "t", "", "ghcr.io/o/r:t", "ghcr.io/o/r:t"},
      {"localhost:5000/x:y", "localhost:5000", "x", "y", "", "localhost:5000/x:y",
       "localhost:5000/x:y"},
      {"localhost/x", "localhost", "x", "", "", "localhost/x", "localhost/x"},
      {"localhost", "docker.io", "library/localhost", "", "", "docker.io/library/localhost",
       "localhost"},
      {"example.com:8000/private/moonbase", "example.com:8000", "private/moonbase", "", "",
       "example.com:8000/private/moonbase", "example.com:8000/private/moonbase"},
      {"127.0.0.1:5000/debian", "127.0.0.1:5000", "debian", "", "", "127.0.0.1:5000/debian",
       "127.0.0.1:5000/debian"},
      {"test-com:8080/foo", "test-com:8080", "foo", "", "", "test-com:8080/foo",
       "test-com:8080/foo"},
      {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "", "", "xn--n3h.com:18080/foo",
       "xn--n3h.com:18080/foo"},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
       "some-long-tag", "", "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
       "sub-dom1.foo.com/bar/baz/quux:some-long-tag"},
      // IPv6 hosts.
      {"[::1]:5000/x", "[::1]:5000", "x", "", "", "[::1]:5000/x", "[::1]:5000/x"},
      {"[2001:db8::1]/repo:tag", "[2001:db8::1]", "repo", "tag", "", "[2001:db8::1]/repo:tag",
       "[2001:db8::1]/repo:tag"},
      {"[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian",
       "", "", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
       "[fc00:1:2:3:4:5:6:7]:5000/library/debian"},
      // A bare host[:port] without '/' is a library image name (+ tag).
      {"192.168.0.1", "docker.io", "library/192.168.0.1", "", "",
       "docker.io/library/192.168.0.1", "192.168.0.1"},
      {"192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", "",
       "docker.io/library/192.168.0.1:80", "192.168.0.1:80"},
      // Uppercase first element is taken as a domain.
      {"Foo/bar", "Foo", "bar", "", "", "Foo/bar", "Foo/bar"},
      {"DOCKER/docker", "DOCKER", "docker", "", "", "DOCKER/docker", "DOCKER/docker"},
      // Domain-looking first element that is not a valid host: Docker keeps an
      // empty domain and the whole as path.
      {"a_b.c/d", "", "a_b.c/d", "", "", "a_b.c/d", "a_b.c/d"},
      // Separators.
      {"dock__er/docker", "docker.io", "dock__er/docker", "", "", "docker.io/dock__er/docker",
       "dock__er/docker"},
      {"docker---rules/docker", "docker.io", "docker---rules/docker", "", "",
       "docker.io/docker---rules/docker", "docker---rules/docker"},
      {"a.b_c-d__e--f", "docker.io", "library/a.b_c-d__e--f", "", "",
       "docker.io/library/a.b_c-d__e--f", "a.b_c-d__e--f"},
      {"d/docker", "docker.io", "d/docker", "", "", "docker.io/d/docker", "d/docker"},
      // Tags: \w first, then [\w.-]; uppercase allowed.
      {"lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", "",
       "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase"},
      {"a:_x.y-Z", "docker.io", "library/a", "_x.y-Z", "", "docker.io/library/a:_x.y-Z",
       "a:_x.y-Z"},
      // Truncated IDs and the 64-hex name with a domain are names.
      {"82d1e9d7", "docker.io", "library/82d1e9d7", "", "", "docker.io/library/82d1e9d7",
       "82d1e9d7"},
      {"docker.io/" + kHex, "docker.io", "library/" + kHex, "", "", "docker.io/library/" + kHex,
       kHex},
      {kHex.substr(0, 63), "docker.io", "library/" + kHex.substr(0, 63), "", "",
       "docker.io/library/" + kHex.substr(0, 63), kHex.substr(0, 63)},
      // "sha256:<hex>" parses as name "sha256" with a 64-char tag.
      {kD, "docker.io", "library/sha256", kHex, "", "docker.io/library/" + kD, kD},
      // Digests.
      {"alpine@" + kD, "docker.io", "library/alpine", "", kD, "docker.io/library/alpine@" + kD,
       "alpine@" + kD},
      {"alpine:3@" + kD, "docker.io", "library/alpine", "3", kD,
       "docker.io/library/alpine:3@" + kD, "alpine:3@" + kD},
      {"busybox:latest@" + kD, "docker.io", "library/busybox", "latest", kD,
       "docker.io/library/busybox:latest@" + kD, "busybox:latest@" + kD},
      {"[::1]:5000/repo:tag@" + kD, "[::1]:5000", "repo", "tag", kD,
       "[::1]:5000/repo:tag@" + kD, "[::1]:5000/repo:tag@" + kD},
      {"a@sha384:" + std::string(96, 'f'), "docker.io", "library/a", "", "sha384:" + std::string(96, 'f'),
       "docker.io/library/a@sha384:" + std::string(96, 'f'), "a@sha384:" + std::string(96, 'f')},
      {"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + std::string(128, 'f'), "xn--7o8h.com",
       "myimage", "xn--7o8h.com", "sha512:" + std::string(128, 'f'),
       "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + std::string(128, 'f'),
       "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + std::string(128, 'f')},
  };
}

TEST(ReferenceTest, ParseNormalizedNamed) {
  for (const NormalizeCase& c : NormalizeCases()) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->Domain(), c.domain);
    EXPECT_EQ(r->Path(), c.path);
    EXPECT_EQ(r->Tag(), c.tag);
    EXPECT_EQ(r->Digest(), c.digest);
    EXPECT_EQ(r->HasTag(), !c.tag.empty());
    EXPECT_EQ(r->HasDigest(), !c.digest.empty());
    EXPECT_EQ(r->IsNameOnly(), c.tag.empty() && c.digest.empty());
    EXPECT_EQ(r->Name(), c.domain.empty() ? c.path : c.domain + "/" + c.path);
    EXPECT_EQ(r->String(), c.string);
    EXPECT_EQ(r->FamiliarString(), c.familiar_string);
    // FamiliarName is FamiliarString without tag and digest.
    std::string familiar_name = c.familiar_string.substr(0, c.familiar_string.find('@'));
    if (!c.tag.empty()) familiar_name.resize(familiar_name.size() - c.tag.size() - 1);
    EXPECT_EQ(r->FamiliarName(), familiar_name);
  }
}

TEST(ReferenceTest, RoundTrips) {
  for (const NormalizeCase& c : NormalizeCases()) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.status();
    absl::StatusOr<Reference> again = ParseNormalizedNamed(r->String());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *r);
    absl::StatusOr<Reference> canonical = ParseCanonical(r->String());
    ASSERT_TRUE(canonical.ok()) << canonical.status();
    EXPECT_EQ(*canonical, *r);
    // docker.io/library/<64 hex> has a familiar form Docker itself rejects.
    if (r->FamiliarString() == kHex) continue;
    absl::StatusOr<Reference> from_familiar = ParseNormalizedNamed(r->FamiliarString());
    ASSERT_TRUE(from_familiar.ok()) << from_familiar.status();
    EXPECT_EQ(from_familiar->String(), r->String());
  }
}

// Docker's familiar form is ambiguous when a docker.io path starts with an
// element that looks like a host: it no longer normalises back.
TEST(ReferenceTest, FamiliarFormOfHostLikeHubNamespaceIsAmbiguous) {
  struct Case {
    std::string input;
    std::string familiar;
    std::string renormalized;
  } cases[] = {
      {"docker.io/foo.bar/x", "foo.bar/x", "foo.bar/x"},
      {"docker.io/localhost/x:1", "localhost/x:1", "localhost/x:1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->Domain(), "docker.io");
    EXPECT_EQ(r->FamiliarString(), c.familiar);
    absl::StatusOr<Reference> back = ParseNormalizedNamed(r->FamiliarString());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->String(), c.renormalized);
    EXPECT_NE(*back, *r);
  }
  absl::StatusOr<Reference> hex_name = ParseNormalizedNamed("docker.io/library/" + kHex);
  ASSERT_TRUE(hex_name.ok()) << hex_name.status();
  EXPECT_EQ(hex_name->FamiliarString(), kHex);
  EXPECT_FALSE(ParseNormalizedNamed(hex_name->FamiliarString()).ok());
}

// ---------------------------------------------------------------------------
// Errors.

struct ErrorCase {
  std::string input;
  std::string message;
};

TEST(ReferenceTest, ParseNormalizedNamedErrors) {
  const std::string kInvalid = "invalid reference format";
  const std::string kUpper = "repository name must be lowercase";
  const std::string kTooLong = "repository name must not be more than 255 characters";
  const ErrorCase cases[] = {
      {"", kInvalid},
      {"-docker", kInvalid},
      {"-docker/docker", kInvalid},
      {"docker-/docker", kInvalid},
      {"_docker/_docker", kInvalid},
      {"____/____", kInvalid},
      {"-docker.io/docker/docker", kInvalid},
      {"docker///docker", kInvalid},
      {"docker.io/docker///docker", kInvalid},
      {"docker/", kInvalid},
      {"dock..er/docker", kInvalid},
      {"dock_.er/docker", kInvalid},
      {"dock-.er/docker", kInvalid},
      {"a___b", kInvalid},
      {"https://github.com/docker/docker", kInvalid},
      {"aa/asdf$$^/aa", kInvalid},
      {":justtag", kInvalid},
      {"@" + kD, kInvalid},
      {"a:", kInvalid},
      {"a:-tag", kInvalid},
      {"a:.tag", kInvalid},
      {"a@", kInvalid},
      {"a@@" + kD, kInvalid},
      {"a:b:c", kInvalid},
      {"a/b:c/d", kInvalid},
      {"[fc00::1]", kInvalid},
      {"[fc00::1]:5000", kInvalid},
      {"fc00::1:5000/debian", kInvalid},
      {"[fe80::1%eth0]:5000/debian", kInvalid},
      {"[2001:db8:3:4::192.0.2.33]:5000/debian", kInvalid},
      {"[]:5000/x", kInvalid},
      {"host:/x", kInvalid},
      {"host:50a/x", kInvalid},
      {"-host.com/x", kInvalid},
      {"host-.com/x", kInvalid},
      {"host..com/x", kInvalid},
      // Uppercase in the remote name (the part before the first ':').
      {"Foo", "invalid reference format: repository name (library/Foo) must be lowercase"},
      {"Foo:Bar", "invalid reference format: repository name (library/Foo) must be lowercase"},
      {"docker/Docker", "invalid reference format: repository name (docker/Docker) must be lowercase"},
      {"docker.io/docker/Docker",
       "invalid reference format: repository name (docker/Docker) must be lowercase"},
      {"example.com/Foo", "invalid reference format: repository name (Foo) must be lowercase"},
      {"test:5000/Uppercase/lowercase:tag",
       "invalid reference format: repository name (Uppercase/lowercase) must be lowercase"},
      {"foo/Bar@" + kD,
       "invalid reference format: repository name (foo/Bar@sha256) must be lowercase"},
      // Uppercase elsewhere that lower-casing would fix: reference.Parse's text.
      {"Foo__x/bar", kUpper},
      // Bare 64-hex IDs.
      {kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
      // Length limits.
      {"a:" + std::string(129, 't'), kInvalid},
      {"x/" + std::string(254, 'a'), kTooLong},
      {std::string(248, 'a'), kTooLong},  // "library/" + 248 = 256
      {"registry.example.com:5000/" + std::string(256, 'a'), kTooLong},
      // go-digest.
      {"repo@sha256:" + std::string(34, 'f'), "invalid checksum digest length"},
      {"repo@sha256:" + std::string(65, 'f'), "invalid checksum digest length"},
      {"repo@sha512:" + std::string(64, 'f'), "invalid checksum digest length"},
      {"repo@sha256:" + std::string(64, 'F'), "invalid checksum digest format"},
      // Uppercase algorithms pass the reference grammar but not go-digest's.
      {"repo:t@SHA256:" + kHex, "invalid checksum digest format"},
      {"repo:t@Foo.bar:" + kHex, "invalid checksum digest format"},
      // Without a tag the algorithm is part of the "remote name" Docker checks.
      {"repo@SHA256:" + kHex,
       "invalid reference format: repository name (library/repo@SHA256) must be lowercase"},
      {"validname@invaliddigest:" + std::string(64, 'f'), "unsupported digest algorithm"},
      {"repo@md5:" + std::string(32, '0'), "unsupported digest algorithm"},
      {"repo@sha256+b64:" + kHex, "unsupported digest algorithm"},
      {"repo@sha256:" + std::string(31, 'f'), kInvalid},  // below the 32-digit minimum
      {"repo@sha_256:" + kHex, kInvalid},  // algorithm component must start with a letter
      {"repo@sha256:" + kHex + "g", kInvalid},
      // Non-ASCII follows Go's strings.ToLower.
      {"\xC3\x89" "COLE", "invalid reference format: repository name (library/\xC3\x89" "COLE) "
                          "must be lowercase"},
      {"\xC3\xA9" "cole", kInvalid},  // lowercase e-acute: no case error
      {"\xff", "invalid reference format: repository name (library/\xff) must be lowercase"},
      {"\xEF\xBF\xBD", kInvalid},  // a literal U+FFFD is not "uppercase"
      {"a:\xE2\x84\xAA", kUpper},  // KELVIN SIGN lowercases to 'k'
      {"a:\xC4\xB0", kUpper},      // U+0130 lowercases to 'i'
      {"a:\xEF\xBF\xBD", kInvalid},
      {"\xE2\x84\xAA.com/foo", kUpper},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_FALSE(r.ok()) << *r;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(r.status()), c.message);
  }
}

TEST(ReferenceTest, LengthLimits) {
  struct Case {
    std::string input;
    bool ok;
  } cases[] = {
      {"a:" + std::string(128, 't'), true},
      {"a:" + std::string(129, 't'), false},
      {"x/" + std::string(253, 'a'), true},  // path exactly 255
      {"x/" + std::string(254, 'a'), false},
      {std::string(247, 'a'), true},  // "library/" + 247 = 255
      {std::string(248, 'a'), false},
      // v0.6.0 counts the path only: a long domain does not count.
      {"registry.example.com:5000/" + std::string(255, 'a'), true},
      {"a.b/" + std::string(127, 'a') + "/" + std::string(127, 'b') + ":" + std::string(128, 't'),
       true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input.size());
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    EXPECT_EQ(r.ok(), c.ok) << r.status();
    if (r.ok()) {
      EXPECT_LE(r->Path().size(), 255u);
    }
  }
}

// One megabyte inputs: the matcher is linear and non-recursive.
TEST(ReferenceTest, HugeInputs) {
  const std::string kTooLong = "repository name must not be more than 255 characters";
  const ErrorCase cases[] = {
      {std::string(1 << 20, 'a'), kTooLong},
      {"a/b" + std::string(1 << 20, '-') + "c", kTooLong},
      {std::string(1 << 20, '/'), "invalid reference format"},
      {"x.com/a:" + std::string(1 << 20, 't'), "invalid reference format"},
      {"a@sha256:" + std::string(1 << 20, 'f'), "invalid checksum digest length"},
      {"a@" + std::string(1 << 20, 'a') + ":" + kHex, "unsupported digest algorithm"},
      {"[" + std::string(1 << 20, ':') + "]/x", ""},  // the grammar accepts it
  };
  for (const ErrorCase& c : cases) {
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    if (c.message.empty()) {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->String(), c.input);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(Message(r.status()), c.message);
    }
  }
}

// ---------------------------------------------------------------------------
// ParseCanonical and FamiliarizeStoredName (prune.md §3.2).

TEST(ReferenceTest, ParseCanonical) {
  const std::string kNotCanonical = "repository name must be canonical";
  const ErrorCase cases[] = {
      // message "" means success.
      {"docker.io/library/busybox:latest", ""},
      {"docker.io/library/busybox", ""},
      {"docker.io/user/app:1", ""},
      {"docker.io/library/alpine@" + kD, ""},
      {"docker.io/library/alpine:3@" + kD, ""},
      {"localhost:5000/x:y", ""},
      {"ghcr.io/o/r:tag", ""},
      {"busybox", kNotCanonical},
      {"busybox:latest", kNotCanonical},
      {"user/app:1", kNotCanonical},
      {"docker.io/busybox", kNotCanonical},
      {"index.docker.io/library/busybox", kNotCanonical},
      {"moby-dangling@" + kD, kNotCanonical},
      {"Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"},
      {"docker.io/library/busybox:", "invalid reference format"},
      {kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseCanonical(c.input);
    if (c.message.empty()) {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->String(), c.input);
    } else {
      ASSERT_FALSE(r.ok()) << *r;
      EXPECT_EQ(Message(r.status()), c.message);
    }
  }
}

TEST(ReferenceTest, FamiliarizeStoredName) {
  const struct {
    std::string stored;
    std::string want;
  } cases[] = {
      {"docker.io/library/alpine:latest", "alpine:latest"},
      {"docker.io/user/app:1", "user/app:1"},
      {"ghcr.io/o/r:tag", "ghcr.io/o/r:tag"},
      {"localhost:5000/x:y", "localhost:5000/x:y"},
      {"docker.io/library/alpine@" + kD, "alpine@" + kD},
      {"docker.io/library/alpine:3@" + kD, "alpine:3@" + kD},
      {"docker.io/library/a/b:1", "library/a/b:1"},
      {"docker.io/library/busybox", "busybox"},
      // Not canonical: returned unchanged.
      {"alpine:latest", "alpine:latest"},
      {"docker.io/alpine:latest", "docker.io/alpine:latest"},
      {"moby-dangling@" + kD, "moby-dangling@" + kD},
      {"Not A Name", "Not A Name"},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.stored);
    EXPECT_EQ(FamiliarizeStoredName(c.stored), c.want);
  }
}

// ---------------------------------------------------------------------------
// TagNameOnly / WithTag / WithDigest / TrimNamed.

TEST(ReferenceTest, TagNameOnly) {
  const struct {
    std::string input;
    std::string want;
  } cases[] = {
      {"busybox", "docker.io/library/busybox:latest"},
      {"82d1e9d7", "docker.io/library/82d1e9d7:latest"},
      {"user/app", "docker.io/user/app:latest"},
      {"localhost:5000/x", "localhost:5000/x:latest"},
      {"busybox:1", "docker.io/library/busybox:1"},
      {"busybox@" + kD, "docker.io/library/busybox@" + kD},
      {"busybox:latest@" + kD, "docker.io/library/busybox:latest@" + kD},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(TagNameOnly(*r).String(), c.want);
  }
}

// The keys prune.md §4.2 rule 4 removes for a container's Config.Image.
TEST(ReferenceTest, PruneNameRuleKeys) {
  const struct {
    std::string image;
    std::vector<std::string> keys;  // empty: parse fails, rule skipped
  } cases[] = {
      {"busybox", {"docker.io/library/busybox:latest"}},
      {"busybox:a", {"docker.io/library/busybox:a"}},
      {"busybox@" + kD, {"docker.io/library/busybox@" + kD}},
      {"busybox:latest@" + kD,
       {"docker.io/library/busybox:latest@" + kD, "docker.io/library/busybox:latest"}},
      {"82d1e9d7", {"docker.io/library/82d1e9d7:latest"}},
      {kD, {"docker.io/library/sha256:" + kHex}},
      {"localhost:5000/x", {"localhost:5000/x:latest"}},
      {kHex, {}},
      {"Busybox", {}},
      {"", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.image);
    std::vector<std::string> keys;
    if (absl::StatusOr<Reference> r = ParseNormalizedNamed(c.image); r.ok()) {
      const Reference full = TagNameOnly(*r);
      keys.push_back(full.String());
      if (full.HasTag() && full.HasDigest()) keys.push_back(full.Name() + ":" + full.Tag());
    }
    EXPECT_THAT(keys, ElementsAreArray(c.keys));
  }
}

TEST(ReferenceTest, WithTag) {
  const struct {
    std::string base;
    std::string tag;
    std::string want;  // "" means "invalid tag format"
  } cases[] = {
      {"test.com/foo", "tag", "test.com/foo:tag"},
      {"foo", "tag2", "docker.io/library/foo:tag2"},
      {"test.com:8000/foo", "TAG5", "test.com:8000/foo:TAG5"},
      {"foo:old", "new", "docker.io/library/foo:new"},
      {"foo@" + kD, "t", "docker.io/library/foo:t@" + kD},
      {"foo:old@" + kD, "t", "docker.io/library/foo:t@" + kD},
      {"foo", std::string(128, 'x'), "docker.io/library/foo:" + std::string(128, 'x')},
      {"foo", std::string(129, 'x'), ""},
      {"foo", "-foo", ""},
      {"foo", ".foo", ""},
      {"foo", "", ""},
      {"foo", "a:b", ""},
      {"foo", "a/b", ""},
      {"foo", "a@b", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.base + " + " + c.tag);
    absl::StatusOr<Reference> base = ParseNormalizedNamed(c.base);
    ASSERT_TRUE(base.ok()) << base.status();
    absl::StatusOr<Reference> r = WithTag(*base, c.tag);
    if (c.want.empty()) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(Message(r.status()), "invalid tag format");
    } else {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->String(), c.want);
      EXPECT_EQ(r->Tag(), c.tag);
    }
  }
}

TEST(ReferenceTest, WithDigest) {
  const struct {
    std::string base;
    std::string digest;
    std::string want;  // result, or the error text when it does not contain '/'
  } cases[] = {
      {"test.com/foo", kD, "test.com/foo@" + kD},
      {"foo:t", kD, "docker.io/library/foo:t@" + kD},
      {"foo@sha512:" + std::string(128, 'a'), kD, "docker.io/library/foo@" + kD},
      {"foo", "foo", "invalid digest format"},
      {"foo", "", "invalid digest format"},
      {"foo", "sha256:abc", "invalid digest format"},
      {"foo", "sha256:" + std::string(40, 'a'), "invalid checksum digest length"},
      {"foo", "sha256:" + std::string(64, 'A'), "invalid checksum digest format"},
      {"foo", "md5:" + std::string(32, 'a'), "unsupported digest algorithm"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.base + " + " + c.digest);
    absl::StatusOr<Reference> base = ParseNormalizedNamed(c.base);
    ASSERT_TRUE(base.ok()) << base.status();
    absl::StatusOr<Reference> r = WithDigest(*base, c.digest);
    if (c.want.find('/') == std::string::npos) {
      ASSERT_FALSE(r.ok()) << *r;
      EXPECT_EQ(Message(r.status()), c.want);
    } else {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->String(), c.want);
      EXPECT_EQ(r->Digest(), c.digest);
    }
  }
}

TEST(ReferenceTest, TrimNamed) {
  const struct {
    std::string input;
    std::string want;
  } cases[] = {
      {"busybox", "docker.io/library/busybox"},
      {"busybox:1", "docker.io/library/busybox"},
      {"busybox:1@" + kD, "docker.io/library/busybox"},
      {"[::1]:5000/x@" + kD, "[::1]:5000/x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.status();
    const Reference t = TrimNamed(*r);
    EXPECT_EQ(t.String(), c.want);
    EXPECT_TRUE(t.IsNameOnly());
    EXPECT_EQ(t.Name(), r->Name());
  }
}

TEST(ReferenceTest, EqualityAndOrdering) {
  absl::StatusOr<Reference> a = ParseNormalizedNamed("busybox:a");
  absl::StatusOr<Reference> a2 = ParseNormalizedNamed("docker.io/library/busybox:a");
  absl::StatusOr<Reference> b = ParseNormalizedNamed("busybox:b");
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok());
  EXPECT_EQ(*a, *a2);
  EXPECT_NE(*a, *b);
  EXPECT_LT(*a, *b);
  std::ostringstream os;
  os << *a;
  EXPECT_EQ(os.str(), "docker.io/library/busybox:a");
}

struct FamiliarMatchCase {
  std::string pattern;
  std::string ref;  // canonical
  bool bad_pattern;
  bool matched;
};

// distribution/reference.FamiliarMatch: the familiar string, else the
// familiar name.
TEST(ReferenceTest, FamiliarMatch) {
  const FamiliarMatchCase cases[] = {
      {"busybox", "docker.io/library/busybox:latest", false, true},  // by name
      {"busybox:latest", "docker.io/library/busybox:latest", false, true},
      {"busy*", "docker.io/library/busybox:latest", false, true},
      {"alpine:3", "docker.io/library/alpine:3", false, true},
      {"alpine:4", "docker.io/library/alpine:3", false, false},
      {"alpine:*", "docker.io/library/alpine:3", false, true},
      {"library/*", "docker.io/library/alpine:3", false, false},  // familiar form has no library/
      {"user/*", "docker.io/user/app:1", false, true},
      {"*", "docker.io/user/app:1", false, false},  // `*` stops at the slash
      {"ghcr.io/o/*", "ghcr.io/o/app:1", false, true},
      {"ghcr.io/o/app", "ghcr.io/o/app:1", false, true},
      {"[", "docker.io/library/alpine:3", true, false},
      {"alpine[", "docker.io/library/alpine:3", true, false},
  };
  for (const FamiliarMatchCase& c : cases) {
    SCOPED_TRACE(c.pattern + " ~ " + c.ref);
    absl::StatusOr<Reference> ref = ParseCanonical(c.ref);
    ASSERT_TRUE(ref.ok()) << ref.status();
    absl::StatusOr<bool> got = FamiliarMatch(c.pattern, *ref);
    if (c.bad_pattern) {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().message(), "syntax error in pattern");
    } else {
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, c.matched);
    }
  }
}

}  // namespace
}  // namespace reclaim
