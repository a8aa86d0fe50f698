#include "registry/www_authenticate.h"

#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {

// Readable failures.
void PrintTo(const Challenge& c, std::ostream* os) {
  *os << "[" << c.scheme;
  for (const auto& [k, v] : c.params) *os << " " << k << "=" << v;
  *os << "]";
}

namespace {

struct Case {
  std::string name;
  std::string header;
  std::vector<Challenge> want;
};

TEST(WwwAuthenticateTest, ParsesChallenges) {
  const Case cases[] = {
      {"basic quoted", R"(Basic realm="basic-realm")", {{"basic", {{"realm", "basic-realm"}}}}},
      {"bearer registry",
       R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")",
       {{"bearer",
         {{"realm", "https://auth.docker.io/token"},
          {"service", "registry.docker.io"},
          {"scope", "repository:library/alpine:pull"}}}}},
      {"unquoted values",
       "Bearer realm=http://127.0.0.1:1/t,service=svc",
       {{"bearer", {{"realm", "http://127.0.0.1:1/t"}, {"service", "svc"}}}}},
      {"case and spaces",
       R"(BEARER   Realm = "R" ,  SERVICE="s")",
       {{"bearer", {{"realm", "R"}, {"service", "s"}}}}},
      {"two challenges",
       R"(Basic realm="a", Bearer realm="b",service="c")",
       {{"basic", {{"realm", "a"}}}, {"bearer", {{"realm", "b"}, {"service", "c"}}}}},
      {"error param",
       R"(Bearer realm="r",error="insufficient_scope",scope="repository:a:pull,push")",
       {{"bearer",
         {{"realm", "r"}, {"error", "insufficient_scope"}, {"scope", "repository:a:pull,push"}}}}},
      {"escapes and commas in quotes",
       R"(Basic realm="a \"q\", b\\c")",
       {{"basic", {{"realm", R"(a "q", b\c)"}}}}},
      {"scheme without params", "Negotiate", {{"negotiate", {}}}},
      {"token68 skipped",
       "Negotiate abc123==, Basic realm=x",
       {{"negotiate", {}}, {"basic", {{"realm", "x"}}}}},
      {"first value wins", R"(Basic realm="a", realm="b")", {{"basic", {{"realm", "a"}}}}},
      {"empty value",
       R"(Bearer realm="",service=)",
       {{"bearer", {{"realm", ""}, {"service", ""}}}}},
      {"unterminated quote", R"(Basic realm="abc)", {{"basic", {{"realm", "abc"}}}}},
      {"empty", "", {}},
      {"only commas", " , ,, ", {}},
      {"param before scheme is dropped",
       R"(realm="x", Basic realm="y")",
       {{"basic", {{"realm", "y"}}}}},
      {"garbage element skipped",
       R"(Basic realm="a" junk, Bearer realm="b")",
       {{"basic", {}}, {"bearer", {{"realm", "b"}}}}},
      {"non-token element skipped", "\x01\xff Basic realm=x", {}},
      {"non-token element before a comma",
       "\x01\xff, Basic realm=x",
       {{"basic", {{"realm", "x"}}}}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseWwwAuthenticate(c.header), c.want) << c.name << ": " << c.header;
  }
}

TEST(WwwAuthenticateTest, ParamLookup) {
  std::vector<Challenge> cs = ParseWwwAuthenticate(R"(Bearer realm="r",service="s")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].Param("realm"), "r");
  EXPECT_EQ(cs[0].Param("scope"), "");
}

TEST(WwwAuthenticateTest, HostileInputTerminatesLinearly) {
  // Deep quoting, many commas and equals: must finish and stay bounded.
  std::string s;
  for (int i = 0; i < 20000; ++i) s += "a=\"\\,=,";
  std::vector<Challenge> cs = ParseWwwAuthenticate(s);
  EXPECT_TRUE(cs.empty());
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "B" + std::to_string(i) + ", ";
  EXPECT_EQ(ParseWwwAuthenticate(many).size(), 5000u);
}

}  // namespace
}  // namespace reclaim
