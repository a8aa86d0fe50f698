#include "core/path_match.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

struct MatchCase {
  std::string pattern;
  std::string name;
  bool bad_pattern;
  bool matched;
};

constexpr bool kBad = true;
constexpr bool kOk = false;

// path.Match(pattern, name) as Go documents and tests it.
TEST(PathMatchTest, MatchesAsGo) {
  const MatchCase cases[] = {
      {"", "", kOk, true},
      {"", "a", kOk, false},
      {"abc", "abc", kOk, true},
      {"abc", "abcd", kOk, false},
      {"*", "abc", kOk, true},
      {"*", "", kOk, true},
      {"*", "a/b", kOk, false},
      {"*c", "abc", kOk, true},
      {"*x", "xxx", kOk, true},
      {"a*", "a", kOk, true},
      {"a*", "abc", kOk, true},
      {"a*", "ab/c", kOk, false},
      {"a*/b", "abc/b", kOk, true},
      {"a*/b", "a/c/b", kOk, false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", kOk, true},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", kOk, true},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", kOk, false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", kOk, false},
      {"a*b?c*x", "abxbbxdbxebxczzx", kOk, true},
      {"a*b?c*x", "abxbbxdbxebxczzy", kOk, false},
      {"ab[c]", "abc", kOk, true},
      {"ab[b-d]", "abc", kOk, true},
      {"ab[e-g]", "abc", kOk, false},
      {"ab[^c]", "abc", kOk, false},
      {"ab[^b-d]", "abc", kOk, false},
      {"ab[^e-g]", "abc", kOk, true},
      {"a\\*b", "a*b", kOk, true},
      {"a\\*b", "ab", kOk, false},
      {"a\\[b", "a[b", kOk, true},
      {"a?b",
       "a\xe2\x98\xba"
       "b",
       kOk, true},  // ? takes a whole rune
      {"a[^a]b",
       "a\xe2\x98\xba"
       "b",
       kOk, true},
      {"a???b",
       "a\xe2\x98\xba"
       "b",
       kOk, false},
      {"a[^a][^a][^a]b",
       "a\xe2\x98\xba"
       "b",
       kOk, false},
      {"[a-\xce\xb6]*", "\xce\xb1", kOk, true},  // [a-ζ] holds α
      {"*[a-\xce\xb6]", "A", kOk, false},
      {"a?b", "a/b", kOk, false},
      {"a*b", "a/b", kOk, false},
      {"a[/]b", "a/b", kOk, true},  // a class may hold `/`
      {"a[^x]b", "a/b", kOk, true},
      {"[\\]a]", "]", kOk, true},
      {"[\\-]", "-", kOk, true},
      {"[x\\-]", "x", kOk, true},
      {"[x\\-]", "-", kOk, true},
      {"[x\\-]", "z", kOk, false},
      {"[\\-x]", "x", kOk, true},
      {"[\\-x]", "-", kOk, true},
      {"[\\-x]", "a", kOk, false},
      {"a[*]b", "a*b", kOk, true},  // a star inside a class is literal
      // Image references as the `reference` filter sees them.
      {"busy*", "busybox", kOk, true},
      {"alpine:3", "alpine:3", kOk, true},
      {"library/*", "library/alpine", kOk, true},
      {"*/*", "docker.io/library/alpine", kOk, false},
      {"*/*/*", "docker.io/library/alpine", kOk, true},
      {"alpine:[0-9]*", "alpine:3.19", kOk, true},
      // ErrBadPattern.
      {"[]a]", "]", kBad, false},
      {"[-]", "-", kBad, false},
      {"[x-]", "x", kBad, false},
      {"[x-]", "-", kBad, false},
      {"[x-]", "z", kBad, false},
      {"[-x]", "x", kBad, false},
      {"[-x]", "-", kBad, false},
      {"[-x]", "a", kBad, false},
      {"[a-]]", "a", kBad, false},
      {"[a-b-c]", "a", kBad, false},
      {"[^]", "a", kBad, false},
      {"\\", "a", kBad, false},
      {"a\\", "a", kBad, false},
      {"[\\", "a", kBad, false},
      {"[", "a", kBad, false},
      {"[^", "a", kBad, false},
      {"[^bc", "a", kBad, false},
      {"[a", "a", kBad, false},
      {"[a-", "a", kBad, false},
      {"a[", "a", kBad, false},
      {"a[", "ab", kBad, false},
      {"a[", "x", kBad, false},
      {"a/b[", "x", kBad, false},
      {"*[", "abc", kBad, false},
      {"x*[", "abc", kBad, false},   // the mismatch comes first; the rest is checked
      {"[\xff]", "a", kBad, false},  // invalid UTF-8 in a class
  };
  for (const MatchCase& c : cases) {
    const std::string what =
        testing::PrintToString(c.pattern) + " ~ " + testing::PrintToString(c.name);
    absl::StatusOr<bool> got = PathMatch(c.pattern, c.name);
    if (c.bad_pattern) {
      ASSERT_FALSE(got.ok()) << what;
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << what;
      EXPECT_EQ(std::string(got.status().message()), kErrBadPattern) << what;
      // Whatever the name: the `reference` filter validates against "".
      EXPECT_FALSE(PathMatch(c.pattern, "").ok()) << what;
    } else {
      ASSERT_TRUE(got.ok()) << what << ": " << got.status();
      EXPECT_EQ(*got, c.matched) << what;
    }
  }
}

}  // namespace
}  // namespace reclaim
