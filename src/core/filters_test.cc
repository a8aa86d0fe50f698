#include "core/filters.h"

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr std::string_view kFFFD = "\xEF\xBF\xBD";

std::string S(std::string_view a, std::string_view b = "", std::string_view c = "") {
  return std::string(a) + std::string(b) + std::string(c);
}

struct DecodeCase {
  std::string input;
  std::string want_json;  // canonical ToJSON() of the decoded args
};

TEST(FilterArgsTest, FromJSONAcceptsBothEncodings) {
  const DecodeCase cases[] = {
      // Empty and null mean no filters.
      {"", ""},
      {"null", ""},
      {" \t\r\nnull\n", ""},
      {"{}", ""},
      // moby TestFromJSON: list and map forms, one or two values, one or two keys.
      {R"({"key": ["value"]})", R"({"key":{"value":true}})"},
      {R"({"key": {"value": true}})", R"({"key":{"value":true}})"},
      {R"({"key": ["value1", "value2"]})", R"({"key":{"value1":true,"value2":true}})"},
      {R"({"key": {"value1": true, "value2": true}})", R"({"key":{"value1":true,"value2":true}})"},
      {R"({"key1": ["value1"], "key2": ["value2"]})",
       R"({"key1":{"value1":true},"key2":{"value2":true}})"},
      {R"({"key1": {"value1": true}, "key2": {"value2": true}})",
       R"({"key1":{"value1":true},"key2":{"value2":true}})"},
      // What the Go client and docker-py send.
      {R"({"dangling":{"false":true},"label":{"a=b":true},"until":{"24h":true}})",
       R"({"dangling":{"false":true},"label":{"a=b":true},"until":{"24h":true}})"},
      {R"({"dangling": ["true"], "label": ["a=b", "c"], "reference": ["alpine"]})",
       R"({"dangling":{"true":true},"label":{"a=b":true,"c":true},"reference":{"alpine":true}})"},
      // Inner booleans are kept; an inner null is false.
      {R"({"dangling":{"true":false}})", R"({"dangling":{"true":false}})"},
      {R"({"k":{"v":null}})", R"({"k":{"v":false}})"},
      // Key present with an empty value set.
      {R"({"dangling":null})", R"({"dangling":{}})"},
      {R"({"dangling":{}})", R"({"dangling":{}})"},
      {R"({"dangling":[]})", R"({"dangling":{}})"},
      {R"({"a":["x"],"b":null})", R"({"a":{"x":true},"b":{}})"},
      // A null list element is the empty string; duplicates collapse.
      {R"({"k":["a",null]})", R"({"k":{"":true,"a":true}})"},
      {R"({"k":["a","a"]})", R"({"k":{"a":true}})"},
      // Duplicate keys: the last one wins, as in Go.
      {R"({"k":{"a":true},"k":{"b":true}})", R"({"k":{"b":true}})"},
      {R"({"k":{"a":true,"a":false}})", R"({"k":{"a":false}})"},
      {R"({"k":["a"],"k":["b"]})", R"({"k":{"b":true}})"},
      {R"({"k":{"a":true},"k":null})", R"({"k":{}})"},
      // Escapes and Unicode.
      {R"({"k":["a\"b\\c\/d\n"]})", R"({"k":{"a\"b\\c/d\n":true}})"},
      {R"({"k":{"\u00e9":true}})", "{\"k\":{\"\xC3\xA9\":true}}"},
      {R"({"k":["\ud83d\ude00"]})", "{\"k\":{\"\xF0\x9F\x98\x80\":true}}"},
      {R"({"k":["<&>"]})", R"({"k":{"\u003c\u0026\u003e":true}})"},
      // Go replaces invalid UTF-8 and lone surrogates with U+FFFD.
      {"{\"k\":[\"a\xFF\"]}", S("{\"k\":{\"a", kFFFD, "\":true}}")},
      {"{\"k\":[\"\xC3\"]}", S("{\"k\":{\"", kFFFD, "\":true}}")},
      {"{\"k\":[\"\xED\xA0\x80\"]}", S("{\"k\":{\"", S(kFFFD, kFFFD, kFFFD), "\":true}}")},
      {"{\"k\":[\"\xE2\x82\"]}", S("{\"k\":{\"", S(kFFFD, kFFFD), "\":true}}")},
      {R"({"k":["\ud800"]})", S("{\"k\":{\"", kFFFD, "\":true}}")},
      {R"({"k":["\ude00x"]})", S("{\"k\":{\"", kFFFD, "x\":true}}")},
      {R"({"k":["\ude00\ud83d"]})", S("{\"k\":{\"", S(kFFFD, kFFFD), "\":true}}")},
      {R"({"k":["\ud83d\ud83d\ude00"]})", S("{\"k\":{\"", kFFFD, "\xF0\x9F\x98\x80\":true}}")},
      {"{\"\xFF\":{\"v\":true}}", S("{\"", kFFFD, "\":{\"v\":true}}")},
  };
  for (const auto& c : cases) {
    auto args = FilterArgs::FromJSON(c.input);
    ASSERT_TRUE(args.ok()) << c.input << ": " << args.status();
    EXPECT_EQ(args->ToJSON(), c.want_json) << c.input;
  }
}

TEST(FilterArgsTest, FromJSONRejectsEverythingElse) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string deep_obj = [] {
    std::string s;
    for (int i = 0; i < 50000; ++i) s += "{\"a\":";
    s += "1";
    for (int i = 0; i < 50000; ++i) s += "}";
    return s;
  }();
  const std::string cases[] = {
      // moby TestFromJSON invalids.
      "anything",
      "['a','list']",
      "{'key': 'value'}",
      R"({"key": "value"})",
      // Other top-level shapes.
      R"("str")",
      "1",
      "true",
      "[]",
      R"(["a"])",
      " ",
      "\n",
      // Wrong inner types, in either encoding.
      R"({"k":1})",
      R"({"k":true})",
      R"({"k":{"v":"true"}})",
      R"({"k":{"v":1}})",
      R"({"k":[1]})",
      R"({"k":[true]})",
      R"({"k":[["a"]]})",
      R"({"k":{"v":{}}})",
      R"({"k":{"v":[]}})",
      R"({"k":[{}]})",
      // Mixed encodings fail both decoders.
      R"({"a":{"x":true},"b":["y"]})",
      R"({"dangling":{},"until":["1h"]})",
      // A type error hidden by a later duplicate still fails (Go reports it).
      R"({"k":{"a":"x","a":true}})",
      R"({"k":[1],"k":["a"]})",
      R"({"k":["a"],"k":{"a":true}})",
      // Malformed JSON.
      R"({"k":{"v":true}} x)",
      R"({"k":{"v":true})",
      "{",
      "}",
      "]",
      R"({"k":["a"]}})",
      R"({"k":["a",]})",
      R"({"k":{"v":True}})",
      "// c\n{}",
      R"({"k":["\x"]})",
      R"({"k":["\u12"]})",
      R"({"k":1e400})",
      "NaN",
      std::string("{\"k\":[\"a\"]}\0", 12),
      std::string("{\"k\":[\"a\0\"]}", 12),
      std::string("\0{}", 3),
      "{\"k\":[\"a\x01\"]}",
      "{\xFF}",
      "\xEF\xBB\xBF{}",  // Go rejects a byte order mark
      // Nested deeper than any valid shape.
      deep,
      deep_obj,
      std::string(100000, '['),
      R"({"k":{"v":{"w":true}}})",
  };
  for (const auto& input : cases) {
    auto args = FilterArgs::FromJSON(input);
    ASSERT_FALSE(args.ok()) << input.substr(0, 80);
    EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(args.status().message()), "invalid filter") << input.substr(0, 80);
  }
}

TEST(FilterArgsTest, ToJSONMatchesGoClient) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> adds;
    std::string want;
  };
  const Case cases[] = {
      {{}, ""},
      {{{"dangling", "true"}}, R"({"dangling":{"true":true}})"},
      {{{"dangling", "false"}}, R"({"dangling":{"false":true}})"},
      {{{"label", "label2!=bar"}, {"dangling", "true"}, {"label", "label1=foo"}},
       R"({"dangling":{"true":true},"label":{"label1=foo":true,"label2!=bar":true}})"},
      {{{"image.name", "ubuntu*"}, {"created", "today"}, {"image.name", "*untu"}},
       R"({"created":{"today":true},"image.name":{"*untu":true,"ubuntu*":true}})"},
      // Go's string escaping: short escapes, \u00XX for other controls,
      // HTML-safe <>&, U+2028/2029, invalid UTF-8 as \ufffd.
      {{{"k", std::string("a\b\f\n\r\t\x01\x1f\x7f", 9)}},
       R"({"k":{"a\b\f\n\r\t\u0001\u001f)"
       "\x7f"
       R"(":true}})"},
      {{{"k", "\xE2\x80\xA8\xE2\x80\xA9"}}, R"({"k":{"\u2028\u2029":true}})"},
      {{{"k", "x\xFFy"}}, R"({"k":{"x\ufffdy":true}})"},
      {{{"k", std::string("\0", 1)}}, R"({"k":{"\u0000":true}})"},
      // Byte-wise key order (upper case before lower case, UTF-8 last).
      {{{"b", "1"}, {"\xC3\xA9", "1"}, {"B", "1"}, {"a", "1"}},
       "{\"B\":{\"1\":true},\"a\":{\"1\":true},\"b\":{\"1\":true},\"\xC3\xA9\":{\"1\":true}}"},
  };
  for (const auto& c : cases) {
    FilterArgs args;
    for (const auto& [k, v] : c.adds) args.Add(k, v);
    EXPECT_EQ(args.ToJSON(), c.want);
  }
}

TEST(FilterArgsTest, ToJSONRoundTrips) {
  const std::string inputs[] = {
      R"({"dangling":{"true":false,"false":true},"label":{"a=b":true}})",
      R"({"dangling":null,"until":["24h"]})",
      R"({"k":["\u0000\u001f<>&\u2028\"\\"]})",
      R"({"":{"":true}})",
      "{\"\xC3\xA9\":[\"\xF0\x9F\x98\x80\"]}",
  };
  for (const auto& input : inputs) {
    auto args = FilterArgs::FromJSON(input);
    ASSERT_TRUE(args.ok()) << input;
    ASSERT_GT(args->Len(), 0u);
    auto again = FilterArgs::FromJSON(args->ToJSON());
    ASSERT_TRUE(again.ok()) << args->ToJSON();
    EXPECT_EQ(*again, *args) << input;
    EXPECT_EQ(again->ToJSON(), args->ToJSON());
  }
}

TEST(FilterArgsTest, AddGetDelContainsKeys) {
  FilterArgs f;
  EXPECT_EQ(f.Len(), 0u);
  EXPECT_FALSE(f.Contains("status"));
  EXPECT_THAT(f.Get("status"), IsEmpty());

  f.Add("status", "running");
  f.Add("status", "paused");
  f.Add("status", "running");
  f.Add("label", "a=b");
  EXPECT_EQ(f.Len(), 2u);
  EXPECT_TRUE(f.Contains("status"));
  EXPECT_FALSE(f.Contains("Status"));
  EXPECT_THAT(f.Get("status"), ElementsAre("paused", "running"));
  EXPECT_THAT(f.Keys(), ElementsAre("label", "status"));

  f.Del("status", "running");
  EXPECT_THAT(f.Get("status"), ElementsAre("paused"));
  f.Del("status", "absent");  // value absent: key keeps its other values
  EXPECT_TRUE(f.Contains("status"));
  f.Del("status", "paused");  // last value: key goes too
  EXPECT_FALSE(f.Contains("status"));
  EXPECT_EQ(f.Len(), 1u);
  f.Del("nothing", "x");  // absent key: no-op
  EXPECT_EQ(f.Len(), 1u);

  f.DeleteKey("label");
  EXPECT_EQ(f.Len(), 0u);
  f.DeleteKey("label");  // idempotent
  EXPECT_EQ(f.Len(), 0u);
}

TEST(FilterArgsTest, DelOnEmptyValueSetDropsKey) {
  auto f = FilterArgs::FromJSON(R"({"dangling":null,"until":["1h"]})");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Contains("dangling"));
  EXPECT_EQ(f->Len(), 2u);
  f->Del("dangling", "anything");
  EXPECT_FALSE(f->Contains("dangling"));
  EXPECT_EQ(f->Len(), 1u);
}

TEST(FilterArgsTest, AddSetsInnerBooleanTrue) {
  auto f = FilterArgs::FromJSON(R"({"dangling":{"true":false}})");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->GetBoolOrDefault("dangling", false).status.ok());
  f->Add("dangling", "true");
  EXPECT_EQ(f->ToJSON(), R"({"dangling":{"true":true}})");
  auto r = f->GetBoolOrDefault("dangling", false);
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.value);
}

TEST(FilterArgsTest, EqualityIncludesInnerBooleans) {
  auto a = FilterArgs::FromJSON(R"({"k":{"v":true}})");
  auto b = FilterArgs::FromJSON(R"({"k":["v"]})");
  auto c = FilterArgs::FromJSON(R"({"k":{"v":false}})");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(FilterArgsTest, Validate) {
  constexpr std::array<std::string_view, 4> kPruneKeys = {"dangling", "label", "label!", "until"};
  struct Case {
    std::string input;
    std::string want_error;  // empty: OK
  };
  const Case cases[] = {
      {"", ""},
      {R"({"dangling":["true"],"label":["a"],"label!":["b"],"until":["1h"]})", ""},
      {R"({"dangling":{}})", ""},  // Validate only looks at keys
      {R"({"before":["x"]})", "invalid filter 'before'"},
      {R"({"reference":["x"],"dangling":["true"]})", "invalid filter 'reference'"},
      {R"({"zeta":["1"],"alpha":["1"],"dangling":["true"]})", "invalid filter 'alpha'"},
      {R"({"Dangling":["true"]})", "invalid filter 'Dangling'"},
      {R"({"label!!":["x"]})", "invalid filter 'label!!'"},
      {R"({"":["x"]})", "invalid filter"},  // moby prints no quotes for an empty key
  };
  for (const auto& c : cases) {
    auto args = FilterArgs::FromJSON(c.input);
    ASSERT_TRUE(args.ok()) << c.input;
    const absl::Status s = args->Validate(kPruneKeys);
    const absl::Status s2 = args->Validate({"dangling", "label", "label!", "until"});
    EXPECT_EQ(s, s2);
    if (c.want_error.empty()) {
      EXPECT_TRUE(s.ok()) << c.input << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.input;
      EXPECT_EQ(std::string(s.message()), c.want_error) << c.input;
    }
  }
  auto one = FilterArgs::FromJSON(R"({"a":["1"]})");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->Validate({}).ok());
  EXPECT_TRUE(one->Validate({"a"}).ok());
}

TEST(FilterArgsTest, GetBoolOrDefault) {
  struct Case {
    std::string input;
    bool default_value;
    bool want_value;
    std::string want_error;  // empty: OK
  };
  const Case cases[] = {
      // Absent key: the default, no error.
      {"", true, true, ""},
      {"", false, false, ""},
      {R"({"label":["a"]})", true, true, ""},
      // moby TestGetBoolOrDefault.
      {R"({"dangling":["true"]})", false, true, ""},
      {R"({"dangling":["false"]})", true, false, ""},
      {R"({"dangling":["1"]})", false, true, ""},
      {R"({"dangling":["0"]})", true, false, ""},
      {R"({"dangling":["potato"]})", true, true, "invalid filter 'dangling=[potato]'"},
      {R"({"dangling":["potato","banana"]})", true, true,
       "invalid filter 'dangling=[banana potato]'"},
      {R"({"dangling":["false","true"]})", false, false, "invalid filter 'dangling=[false true]'"},
      {R"({"dangling":["false","true","1"]})", true, true,
       "invalid filter 'dangling=[1 false true]'"},
      // More of prune.md §1.3.
      {R"({"dangling":{"true":true}})", false, true, ""},
      {R"({"dangling":{"false":true}})", true, false, ""},
      {R"({"dangling":["0","1"]})", true, true, "invalid filter 'dangling=[0 1]'"},
      {R"({"dangling":["0","true"]})", false, false, "invalid filter 'dangling=[0 true]'"},
      {R"({"dangling":["true","potato"]})", false, true, ""},
      {R"({"dangling":["0","potato"]})", true, false, ""},
      {R"({"dangling":["1","true"]})", false, true, ""},
      {R"({"dangling":["0","false"]})", true, false, ""},
      {R"({"dangling":["True"]})", false, false, "invalid filter 'dangling=[True]'"},
      {R"({"dangling":["TRUE"]})", true, true, "invalid filter 'dangling=[TRUE]'"},
      {R"({"dangling":["yes"]})", true, true, "invalid filter 'dangling=[yes]'"},
      {R"({"dangling":["on"]})", true, true, "invalid filter 'dangling=[on]'"},
      {R"({"dangling":[" true"]})", false, false, "invalid filter 'dangling=[ true]'"},
      {R"({"dangling":[""]})", true, true, "invalid filter 'dangling=[]'"},
      // Map-of-map quirk: only inner-true values count, but all are listed.
      {R"({"dangling":{"true":false}})", false, false, "invalid filter 'dangling=[true]'"},
      {R"({"dangling":{"true":null}})", true, true, "invalid filter 'dangling=[true]'"},
      {R"({"dangling":{"true":false,"false":true}})", true, false, ""},
      {R"({"dangling":{"true":true,"false":false}})", false, true, ""},
      {R"({"dangling":{"1":false,"0":false}})", false, false, "invalid filter 'dangling=[0 1]'"},
      // Key present with an empty value set.
      {R"({"dangling":null})", true, true, "invalid filter 'dangling'"},
      {R"({"dangling":{}})", false, false, "invalid filter 'dangling'"},
      {R"({"dangling":[]})", true, true, "invalid filter 'dangling'"},
  };
  for (const auto& c : cases) {
    auto args = FilterArgs::FromJSON(c.input);
    ASSERT_TRUE(args.ok()) << c.input;
    const FilterArgs::BoolResult r = args->GetBoolOrDefault("dangling", c.default_value);
    EXPECT_EQ(r.value, c.want_value) << c.input;
    if (c.want_error.empty()) {
      EXPECT_TRUE(r.status.ok()) << c.input << ": " << r.status;
    } else {
      EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument) << c.input;
      EXPECT_EQ(std::string(r.status.message()), c.want_error) << c.input;
    }
  }
}

TEST(FilterArgsTest, GetBoolOrDefaultWithEmptyKeyName) {
  auto args = FilterArgs::FromJSON(R"({"":["maybe"]})");
  ASSERT_TRUE(args.ok());
  const auto r = args->GetBoolOrDefault("", true);
  EXPECT_TRUE(r.value);
  EXPECT_EQ(std::string(r.status.message()), "invalid filter");
}

TEST(FilterArgsTest, InvalidFilterErrorTexts) {
  struct Case {
    absl::Status status;
    std::string want;
  };
  const Case cases[] = {
      {InvalidFilterError(), "invalid filter"},
      {InvalidFilterError("foo"), "invalid filter 'foo'"},
      {InvalidFilterError(""), "invalid filter"},
      {InvalidFilterError("dangling", {"maybe"}), "invalid filter 'dangling=[maybe]'"},
      {InvalidFilterError("dangling", {"false", "true"}), "invalid filter 'dangling=[false true]'"},
      {InvalidFilterError("dangling", {}), "invalid filter 'dangling=[]'"},
      {InvalidFilterError("", {"x"}), "invalid filter"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(c.status.message()), c.want);
  }
}

}  // namespace
}  // namespace reclaim
