// File: api/query_test.cc
#include "api/query.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(DockerBoolTest, MobyBoolValueTable) {
  struct Case {
    const char* value;
    bool want;
  };
  const Case cases[] = {
      {"", false},      {"0", false},     {"no", false},   {"false", false}, {"none", false},
      {"False", false}, {"FALSE", false}, {"No", false},   {"NONE", false},  {" 0 ", false},
      {"\tfalse\n", false},
      {"1", true},      {"true", true},   {"True", true},  {"TRUE", true},   {"yes", true},
      {"on", true},     {"2", true},      {"-1", true},    {"f", true},      {"nope", true},
      {" 1 ", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DockerBool(c.value), c.want) << "value \"" << c.value << "\"";
  }
}

TEST(QueryParamsTest, DecodesPercentAndPlus) {
  absl::StatusOr<QueryParams> q = QueryParams::Parse(
      "filters=%7B%22dangling%22%3A+%5B%22true%22%5D%7D&names=x&names=y%3A1&empty=&bare");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->Get("filters"), R"({"dangling": ["true"]})");
  EXPECT_EQ(q->GetAll("names"), (std::vector<std::string>{"x", "y:1"}));
  EXPECT_EQ(q->Get("names"), "x");
  EXPECT_TRUE(q->Has("empty"));
  EXPECT_TRUE(q->Has("bare"));
  EXPECT_FALSE(q->Has("missing"));
  EXPECT_EQ(q->Get("missing"), "");
}

TEST(QueryParamsTest, BoolAndDefault) {
  absl::StatusOr<QueryParams> q = QueryParams::Parse("force=False&noprune=True&quiet=0&all=");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->Bool("force"));
  EXPECT_TRUE(q->Bool("noprune"));
  EXPECT_FALSE(q->BoolOr("quiet", true));  // present: its value counts
  EXPECT_FALSE(q->BoolOr("all", true));    // present and empty: false
  EXPECT_TRUE(q->BoolOr("absent", true));  // absent: the default
  EXPECT_FALSE(q->Bool("absent"));
}

TEST(QueryParamsTest, Errors) {
  struct Case {
    const char* query;
    const char* message;
  };
  const Case cases[] = {
      {"a=%zz", "invalid URL escape \"%zz\""},
      {"a=%4", "invalid URL escape \"%4\""},
      {"a=1;b=2", "invalid semicolon separator in query"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<QueryParams> q = QueryParams::Parse(c.query);
    ASSERT_FALSE(q.ok()) << c.query;
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(q.status().message(), c.message);
  }
}

TEST(UnescapePathTest, KeepsPlusDecodesPercent) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"/images/a+b/json", "/images/a+b/json"},
      {"/images/a%2Fb%3Ac/json", "/images/a/b:c/json"},
      {"/images/x@sha256:0123/json", "/images/x@sha256:0123/json"},
      {"/images/%41", "/images/A"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> out = UnescapePath(c.in);
    ASSERT_TRUE(out.ok()) << c.in;
    EXPECT_EQ(*out, c.want);
  }
  EXPECT_FALSE(UnescapePath("/images/%g1").ok());
}

}  // namespace
}  // namespace reclaim
