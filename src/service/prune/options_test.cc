#include "service/prune/options.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1577934245) + absl::Nanoseconds(123456789);

absl::StatusOr<PruneOptions> ParseJson(const std::string& json) {
  absl::StatusOr<FilterArgs> args = FilterArgs::FromJSON(json);
  if (!args.ok()) return args.status();
  return ParsePruneOptions(*args, kNow, absl::UTCTimeZone());
}

struct ErrorCase {
  std::string name;
  std::string json;
  std::string message;
};

// §1.1-§1.3, §2.1, §2.2 errors: exact texts, all InvalidArgument (HTTP 400).
TEST(ParsePruneOptionsTest, Errors) {
  const std::string long_key(4097, 'k');
  const std::string key_4096(4096, 'k');
  const std::vector<ErrorCase> cases = {
      {"unknown key before", R"({"before":{"x":true}})", "invalid filter 'before'"},
      {"unknown key since", R"({"since":{"x":true}})", "invalid filter 'since'"},
      {"unknown key reference", R"({"reference":{"x":true}})", "invalid filter 'reference'"},
      {"keys are case-sensitive", R"({"Dangling":{"true":true}})", "invalid filter 'Dangling'"},
      {"key validation before dangling", R"({"before":{"x":true},"dangling":{"potato":true}})",
       "invalid filter 'before'"},
      {"dangling potato", R"({"dangling":{"potato":true}})", "invalid filter 'dangling=[potato]'"},
      {"dangling True is not recognised", R"({"dangling":{"True":true}})",
       "invalid filter 'dangling=[True]'"},
      {"dangling both", R"({"dangling":{"true":true,"false":true}})",
       "invalid filter 'dangling=[false true]'"},
      {"dangling 0 and 1", R"({"dangling":["0","1"]})", "invalid filter 'dangling=[0 1]'"},
      {"dangling false true 1", R"({"dangling":["false","true","1"]})",
       "invalid filter 'dangling=[1 false true]'"},
      {"dangling empty set", R"({"dangling":{}})", "invalid filter 'dangling'"},
      {"dangling null", R"({"dangling":null})", "invalid filter 'dangling'"},
      {"dangling inner false", R"({"dangling":{"true":false}})",
       "invalid filter 'dangling=[true]'"},
      {"dangling before until", R"({"dangling":{"potato":true},"until":{"foo":true}})",
       "invalid filter 'dangling=[potato]'"},
      {"until bad seconds", R"({"until":{"foo":true}})",
       "invalid value for 'until' filter: failed to parse value as time or duration: "
       "invalid seconds \"foo\": invalid syntax"},
      {"until empty", R"({"until":{"":true}})",
       "invalid value for 'until' filter: failed to parse value as time or duration: "
       "value is empty"},
      {"until go time error", R"({"until":{"2006-01-02T15:04:0":true}})",
       "invalid value for 'until' filter: parsing time \"2006-01-02T15:04:0\" as "
       "\"2006-01-02T15:04:05\": cannot parse \"0\" as \"05\""},
      {"until bad among good", R"({"until":{"24h":true,"bar":true}})",
       "invalid value for 'until' filter: failed to parse value as time or duration: "
       "invalid seconds \"bar\": invalid syntax"},
      {"until before label", "{\"until\":{\"foo\":true},\"label\":{\"" + long_key + "\":true}}",
       "invalid value for 'until' filter: failed to parse value as time or duration: "
       "invalid seconds \"foo\": invalid syntax"},
      {"label too long", "{\"label\":{\"" + long_key + "\":true}}",
       "label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: " +
           long_key.substr(0, 64) + ": invalid argument"},
      {"label key and value too long", "{\"label!\":{\"" + key_4096 + "=v\":true}}",
       "label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: " +
           key_4096.substr(0, 64) + ": invalid argument"},
      {"label validated before ! is stripped", "{\"label\":{\"" + key_4096 + "!\":true}}",
       "label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: " +
           key_4096.substr(0, 64) + ": invalid argument"},
      {"bad json", R"({"key":"value"})", "invalid filter"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<PruneOptions> got = ParseJson(c.json);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(got.status().message()), c.message);
  }
}

struct DanglingCase {
  std::string json;
  bool dangling_only;
};

// §1.3 and §1.4.
TEST(ParsePruneOptionsTest, Dangling) {
  const std::vector<DanglingCase> cases = {
      {"", true},
      {"null", true},
      {R"({"dangling":{"true":true}})", true},
      {R"({"dangling":{"false":true}})", false},
      {R"({"dangling":["1"]})", true},
      {R"({"dangling":["0"]})", false},
      {R"({"dangling":["true","potato"]})", true},
      {R"({"dangling":["false","banana"]})", false},
      {R"({"dangling":["1","true"]})", true},
      {R"({"dangling":{"false":true,"true":false}})", false},
  };
  for (const DanglingCase& c : cases) {
    SCOPED_TRACE(c.json);
    absl::StatusOr<PruneOptions> got = ParseJson(c.json);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->dangling_only, c.dangling_only);
    // The dangling key never becomes an image predicate.
    EXPECT_TRUE(got->until.empty());
    EXPECT_TRUE(got->label_checks.empty());
    EXPECT_EQ(got->now, kNow);
  }
}

TEST(ParsePruneOptionsTest, UntilValuesAreAllKept) {
  absl::StatusOr<PruneOptions> got =
      ParseJson(R"({"dangling":{"false":true},"until":{"1.5h":true,"2006-01-02T15:04Z":true}})");
  ASSERT_TRUE(got.ok()) << got.status();
  // Sorted value order: "1.5h" < "2006-...".
  ASSERT_EQ(got->until.size(), 2u);
  EXPECT_EQ(got->until[0], kNow - absl::Minutes(90));
  EXPECT_EQ(got->until[1],
            absl::FromCivil(absl::CivilMinute(2006, 1, 2, 15, 4), absl::UTCTimeZone()));
}

TEST(ParsePruneOptionsTest, UntilUsesTheLocalZone) {
  FilterArgs args;
  args.Add("until", "2006-01-02T15:04");
  const absl::TimeZone plus2 = absl::FixedTimeZone(2 * 3600);
  absl::StatusOr<PruneOptions> got = ParsePruneOptions(args, kNow, plus2);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->until.size(), 1u);
  EXPECT_EQ(got->until[0],
            absl::FromCivil(absl::CivilMinute(2006, 1, 2, 13, 4), absl::UTCTimeZone()));
}

struct LabelCase {
  std::string filter;  // "label" or "label!"
  std::string value;
  LabelCheck check;
};

// §2.2 parsing of each form.
TEST(ParsePruneOptionsTest, LabelForms) {
  const std::vector<LabelCase> cases = {
      {"label", "k", {"k", "", true, false}},       {"label", "k=v", {"k", "v", false, false}},
      {"label", "k=", {"k", "", false, false}},     {"label", "k!", {"k", "", true, true}},
      {"label", "k!=v", {"k", "v", false, true}},   {"label", "k=v=w", {"k", "v=w", false, false}},
      {"label", "k!!", {"k!", "", true, true}},     {"label", "=v", {"", "v", false, false}},
      {"label!", "k", {"k", "", true, true}},       {"label!", "k=v", {"k", "v", false, true}},
      {"label!", "k!=v", {"k", "v", false, false}}, {"label!", "k!", {"k", "", true, false}},
  };
  for (const LabelCase& c : cases) {
    SCOPED_TRACE(c.filter + " " + c.value);
    FilterArgs args;
    args.Add(c.filter, c.value);
    absl::StatusOr<PruneOptions> got = ParsePruneOptions(args, kNow, absl::UTCTimeZone());
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->label_checks.size(), 1u);
    EXPECT_EQ(got->label_checks[0], c.check);
  }
}

TEST(ParsePruneOptionsTest, LabelChecksAreLabelThenNotLabel) {
  FilterArgs args;
  args.Add("label!", "a");
  args.Add("label", "z");
  args.Add("label", "b=1");
  absl::StatusOr<PruneOptions> got = ParsePruneOptions(args, kNow, absl::UTCTimeZone());
  ASSERT_TRUE(got.ok()) << got.status();
  const std::vector<LabelCheck> want = {
      {"b", "1", false, false}, {"z", "", true, false}, {"a", "", true, true}};
  EXPECT_EQ(got->label_checks, want);
}

TEST(ParsePruneOptionsTest, LabelAtTheLimitIsAccepted) {
  FilterArgs args;
  args.Add("label", std::string(4000, 'k') + "=" + std::string(96, 'v'));
  absl::StatusOr<PruneOptions> got = ParsePruneOptions(args, kNow, absl::UTCTimeZone());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->label_checks.size(), 1u);
}

struct MatchCase {
  std::string name;
  std::vector<LabelCheck> checks;
  std::map<std::string, std::string> labels;
  bool match;
};

TEST(ConfigMatchesLabelsTest, Table) {
  const std::map<std::string, std::string> kv = {{"k", "v"}, {"e", ""}};
  const std::map<std::string, std::string> none = {};
  const LabelCheck exists{"k", "", true, false};
  const LabelCheck absent{"k", "", true, true};
  const LabelCheck equals_v{"k", "v", false, false};
  const LabelCheck equals_w{"k", "w", false, false};
  const LabelCheck not_v{"k", "v", false, true};
  const LabelCheck not_w{"k", "w", false, true};
  const LabelCheck e_empty{"e", "", false, false};
  const LabelCheck k_empty{"k", "", false, false};
  const std::vector<MatchCase> cases = {
      {"no checks", {}, none, true},
      {"k present", {exists}, kv, true},
      {"k missing", {exists}, none, false},
      {"k! present", {absent}, kv, false},
      {"k! missing", {absent}, none, true},
      {"k=v equal", {equals_v}, kv, true},
      {"k=w differs", {equals_w}, kv, false},
      {"k=v missing", {equals_v}, none, false},
      {"k!=v equal", {not_v}, kv, false},
      {"k!=w differs", {not_w}, kv, true},
      {"k!=v missing passes (moby >= 29.4.1)", {not_v}, none, true},
      {"e= with empty value", {e_empty}, kv, true},
      {"k= with non-empty value", {k_empty}, kv, false},
      {"k= missing", {k_empty}, none, false},
      {"AND: all pass", {exists, equals_v, not_w}, kv, true},
      {"AND: one fails", {exists, equals_w}, kv, false},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ConfigMatchesLabels(c.labels, c.checks), c.match);
  }
}

}  // namespace
}  // namespace reclaim
