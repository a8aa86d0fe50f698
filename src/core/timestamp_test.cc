#include "core/timestamp.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

// prune.md §2.3: the reference of moby's unit test.
absl::Time Reference() {
  return absl::FromCivil(absl::CivilSecond(2020, 1, 2, 3, 4, 5), absl::UTCTimeZone()) +
         absl::Nanoseconds(123456789);
}

struct Case {
  std::string value;
  std::string want;  // RFC3339Nano of the result, or the exact error text
  bool error = false;
};

Case Ok(std::string value, std::string want) { return {std::move(value), std::move(want), false}; }
Case Err(std::string value, std::string want) { return {std::move(value), std::move(want), true}; }

void RunCases(const std::vector<Case>& cases, absl::TimeZone local) {
  for (const Case& c : cases) {
    SCOPED_TRACE("value: \"" + c.value + "\"");
    absl::StatusOr<absl::Time> got = ParseTimestamp(c.value, Reference(), local);
    if (c.error) {
      ASSERT_FALSE(got.ok()) << FormatRfc3339Nano(*got);
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(got.status().message()), c.want);
    } else {
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(FormatRfc3339Nano(*got), c.want);
    }
  }
}

TEST(ParseTimestampTest, MobyUnitTestExamples) {
  RunCases(
      {
          Ok("2006-01-02T15:04:05.999999999+07:00", "2006-01-02T08:04:05.999999999Z"),
          Ok("2006-01-02T15:04:05.999999999Z", "2006-01-02T15:04:05.999999999Z"),
          Ok("2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z"),
          Ok("2006-01-02T15:04:05Z", "2006-01-02T15:04:05Z"),
          Ok("2006-01-02T15:04:05", "2006-01-02T15:04:05Z"),
          Err("2006-01-02T15:04:0Z",
              "parsing time \"2006-01-02T15:04:0Z\" as "
              "\"2006-01-02T15:04:05Z07:00\": cannot parse \"0Z\" as \"05\""),
          Err("2006-01-02T15:04:0",
              "parsing time \"2006-01-02T15:04:0\" as \"2006-01-02T15:04:05\": "
              "cannot parse \"0\" as \"05\""),
          Ok("2006-01-02T15:04Z", "2006-01-02T15:04:00Z"),
          Ok("2006-01-02T15:04+00:00", "2006-01-02T15:04:00Z"),
          Ok("2006-01-02T15:04-00:00", "2006-01-02T15:04:00Z"),
          Ok("2006-01-02T15:04", "2006-01-02T15:04:00Z"),
          Err("2006-01-02T15:0Z",
              "parsing time \"2006-01-02T15:0Z\" as "
              "\"2006-01-02T15:04Z07:00\": "
              "cannot parse \"0Z\" as \"04\""),
          Err("2006-01-02T15:0",
              "parsing time \"2006-01-02T15:0\" as \"2006-01-02T15:04\": "
              "cannot parse \"0\" as \"04\""),
          Ok("2006-01-02T15Z", "2006-01-02T15:00:00Z"),
          Ok("2006-01-02T15+00:00", "2006-01-02T15:00:00Z"),
          Ok("2006-01-02T15-00:00", "2006-01-02T15:00:00Z"),
          Ok("2006-01-02T15", "2006-01-02T15:00:00Z"),
          Ok("2006-01-02T1Z", "2006-01-02T01:00:00Z"),
          Ok("2006-01-02T1", "2006-01-02T01:00:00Z"),
          Err("2006-01-02TZ",
              "parsing time \"2006-01-02TZ\" as \"2006-01-02T15Z07:00\": "
              "cannot parse \"Z\" as \"15\""),
          Err("2006-01-02T",
              "parsing time \"2006-01-02T\" as \"2006-01-02T15\": "
              "cannot parse \"\" as \"15\""),
          Ok("2006-01-02+00:00", "2006-01-02T00:00:00Z"),
          Ok("2006-01-02-00:00", "2006-01-02T00:00:00Z"),
          Ok("2006-01-02-00:01", "2006-01-02T00:01:00Z"),
          Ok("2006-01-02Z", "2006-01-02T00:00:00Z"),
          Ok("2006-01-02", "2006-01-02T00:00:00Z"),
          Ok("2015-05-13T20:39:09Z", "2015-05-13T20:39:09Z"),
          Ok("1136073600", "2006-01-01T00:00:00Z"),
          Ok("1136073600.000000001", "2006-01-01T00:00:00.000000001Z"),
          Ok("1m", "2020-01-02T03:03:05.123456789Z"),
          Ok("1.5h", "2020-01-02T01:34:05.123456789Z"),
          Ok("1h30m", "2020-01-02T01:34:05.123456789Z"),
          Ok("-1m", "2020-01-02T03:05:05.123456789Z"),
          Err("foo.bar",
              "failed to parse value as time or duration: "
              "invalid seconds \"foo\": invalid syntax"),
          Err("1136073600.bar",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: invalid character 'b' at position 0"),
          Err("1136073600.000000001bar",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: invalid character 'b' at position 9"),
          Err("invalid",
              "failed to parse value as time or duration: "
              "invalid seconds \"invalid\": invalid syntax"),
          Err("", "failed to parse value as time or duration: value is empty"),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, EmptyAndWhitespace) {
  const std::string empty = "failed to parse value as time or duration: value is empty";
  RunCases(
      {
          Err(" ", empty),
          Err(" \t\n\v\f\r", empty),
          Err("\xC2\xA0", empty),                  // U+00A0 NO-BREAK SPACE
          Err("\xC2\x85", empty),                  // U+0085 NEXT LINE
          Err("\xE3\x80\x80\xE2\x80\x8A", empty),  // U+3000, U+200A
          // Undecodable bytes are not space, nor is U+200B (a format char).
          Err("\xA0",
              "failed to parse value as time or duration: "
              "invalid seconds \"\\xa0\": invalid syntax"),
          Err("\xE2\x80\x8B",
              "failed to parse value as time or duration: "
              "invalid seconds \"\\u200b\": invalid syntax"),
          // Surrounding whitespace is not trimmed.
          Err(" 1136073600 \t",
              "failed to parse value as time or duration: "
              "invalid seconds \" 1136073600 \\t\": invalid syntax"),
          Err(" 1m",
              "failed to parse value as time or duration: "
              "invalid seconds \" 1m\": invalid syntax"),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, Durations) {
  RunCases(
      {
          Ok("0s", "2020-01-02T03:04:05.123456789Z"),
          Ok("0m", "2020-01-02T03:04:05.123456789Z"),
          Ok("+0", "2020-01-02T03:04:05.123456789Z"),
          Ok("-0", "2020-01-02T03:04:05.123456789Z"),
          Ok("300ms", "2020-01-02T03:04:04.823456789Z"),
          Ok("1\xC2\xB5s", "2020-01-02T03:04:05.123455789Z"),  // U+00B5
          Ok("1\xCE\xBCs", "2020-01-02T03:04:05.123455789Z"),  // U+03BC
          Ok("1us", "2020-01-02T03:04:05.123455789Z"),
          Ok("1ns", "2020-01-02T03:04:05.123456788Z"),
          Ok("+5s", "2020-01-02T03:04:00.123456789Z"),
          Ok("-1.5h", "2020-01-02T04:34:05.123456789Z"),
          Ok(".5s", "2020-01-02T03:04:04.623456789Z"),
          Ok("5.s", "2020-01-02T03:04:00.123456789Z"),
          Ok("1h1m1s1ms1us1ns", "2020-01-02T02:03:04.122455788Z"),
          // Not durations, so they fall through to the other rules.
          Err("1d",
              "failed to parse value as time or duration: "
              "invalid seconds \"1d\": invalid syntax"),
          Err("1h ",
              "failed to parse value as time or duration: "
              "invalid seconds \"1h \": invalid syntax"),
          Err(".",
              "failed to parse value as time or duration: "
              "invalid seconds \"\": invalid syntax"),
          Ok("1.5", "1970-01-01T00:00:01.5Z"),  // a Unix timestamp
          Err("1.5.h",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: invalid character '.' at position 1"),
          Err("5m-",
              "parsing time \"5m-\" as \"2006-01-02\": "
              "cannot parse \"5m-\" as \"2006\""),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, DurationOverflowCorners) {
  const absl::Time ref = Reference();
  const absl::TimeZone utc = absl::UTCTimeZone();
  // -2^63 ns: Go negates it with wrap-around, so it is 292 years back.
  absl::StatusOr<absl::Time> got = ParseTimestamp("-9223372036854775808ns", ref, utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, ref + absl::Nanoseconds(std::numeric_limits<int64_t>::min()));
  got = ParseTimestamp("9223372036854775807ns", ref, utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, ref - absl::Nanoseconds(std::numeric_limits<int64_t>::max()));
  // Go's uint64 accumulator wraps 2^63 + 2^63 to zero: "now".
  got = ParseTimestamp("9223372036854775808ns9223372036854775808ns", ref, utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, ref);
  // Overflowing durations are not durations; they fail as Unix timestamps.
  got = ParseTimestamp("2562048h", ref, utc);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(std::string(got.status().message()),
            "failed to parse value as time or duration: "
            "invalid seconds \"2562048h\": invalid syntax");
}

TEST(ParseTimestampTest, UnixTimestamps) {
  RunCases(
      {
          Ok("0", "1970-01-01T00:00:00Z"),  // the epoch, not "now"
          Ok("+5", "1970-01-01T00:00:05Z"),
          Ok("5.1", "1970-01-01T00:00:05.1Z"),
          Ok("5.", "1970-01-01T00:00:05Z"),
          Ok("5.0", "1970-01-01T00:00:05Z"),
          Ok("5.000000000", "1970-01-01T00:00:05Z"),
          Ok("5.00000000000", "1970-01-01T00:00:05Z"),
          Ok("1136073600.0000000010", "2006-01-01T00:00:00.000000001Z"),
          Ok("1136073600.0000000009", "2006-01-01T00:00:00Z"),
          Ok("1136073600.00000001", "2006-01-01T00:00:00.00000001Z"),
          Ok("1.12345678901234567890", "1970-01-01T00:00:01.123456789Z"),
          Err("1.123456789012345678901",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: length 21 exceeds maximum 20"),
          // Length is checked before the characters.
          Err("1.x23456789012345678901",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: length 21 exceeds maximum 20"),
          // The seconds part may not be empty.
          Err(".1",
              "failed to parse value as time or duration: "
              "invalid seconds \"\": invalid syntax"),
          Err("1.+5",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: invalid character '+' at position 0"),
          Err("1.2.3",
              "failed to parse value as time or duration: "
              "invalid nanoseconds: invalid character '.' at position 1"),
          Err("+",
              "failed to parse value as time or duration: "
              "invalid seconds \"+\": invalid syntax"),
          Err("++5",
              "failed to parse value as time or duration: "
              "invalid seconds \"++5\": invalid syntax"),
          Err("1_000",
              "failed to parse value as time or duration: "
              "invalid seconds \"1_000\": invalid syntax"),
          Err("9223372036854775808",
              "failed to parse value as time or duration: "
              "invalid seconds \"9223372036854775808\": value out of range"),
          Err("99999999999999999999x",
              "failed to parse value as time or duration: "
              "invalid seconds \"99999999999999999999x\": value out of range"),
          Err("9x99999999999999999999",
              "failed to parse value as time or duration: "
              "invalid seconds \"9x99999999999999999999\": invalid syntax"),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, UnixSecondsPastGoInternalRange) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  // The largest seconds Go can add its internal epoch offset to.
  absl::StatusOr<absl::Time> got = ParseTimestamp("9223371974719179007", Reference(), utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, absl::FromUnixSeconds(9223371974719179007));
  // One more wraps around in Go, to before every real time.
  got = ParseTimestamp("9223371974719179008", Reference(), utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, absl::InfinitePast());
  got = ParseTimestamp("9223372036854775807.999999999", Reference(), utc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, absl::InfinitePast());
}

TEST(ParseTimestampTest, GoQuotingInUnixErrors) {
  const std::string sec =
      "failed to parse value as time or duration: "
      "invalid seconds ";
  const std::string frac =
      "failed to parse value as time or duration: "
      "invalid nanoseconds: invalid character ";
  RunCases(
      {
          Err("\xC3\xA9",
              sec + "\"\xC3\xA9\": invalid syntax"),  // é, printable
          Err("\xF0\x9F\x98\x80",
              sec + "\"\xF0\x9F\x98\x80\": invalid syntax"),  // emoji
          Err("\xF3\xA0\x80\x81",
              sec + "\"\\U000e0001\": invalid syntax"),  // tag, format char
          Err("\xEF\xBF\xBF", sec + "\"\\uffff\": invalid syntax"),
          Err("\xED\xA0\x80", sec + "\"\\xed\\xa0\\x80\": invalid syntax"),
          Err("a\"b\\", sec + "\"a\\\"b\\\\\": invalid syntax"),
          Err("\x01\x7F", sec + "\"\\x01\\x7f\": invalid syntax"),
          Err("\a\b", sec + "\"\\a\\b\": invalid syntax"),
          Err("1.\xFF", frac + "'\xC3\xBF' at position 0"),  // U+00FF ÿ
          Err("1.\x80", frac + "'\\u0080' at position 0"),
          Err("1.\xAD", frac + "'\\u00ad' at position 0"),
          Err("1.\xA0", frac + "'\\u00a0' at position 0"),
          Err("1.'", frac + "'\\'' at position 0"),
          Err("1.\"", frac + "'\"' at position 0"),
          Err("1.\\", frac + "'\\\\' at position 0"),
          Err("1.\t", frac + "'\\t' at position 0"),
          Err("1.1\x7F", frac + "'\\x7f' at position 1"),
          Err(std::string("1.\0", 3), frac + "'\\x00' at position 0"),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, GoParseErrors) {
  RunCases(
      {
          Err("2006-13-01", "parsing time \"2006-13-01\": month out of range"),
          Err("2006-00-01", "parsing time \"2006-00-01\": month out of range"),
          Err("2006-02-30", "parsing time \"2006-02-30\": day out of range"),
          Err("2006-01-00", "parsing time \"2006-01-00\": day out of range"),
          Err("1900-02-29", "parsing time \"1900-02-29\": day out of range"),
          Ok("2000-02-29", "2000-02-29T00:00:00Z"),
          Ok("2004-02-29", "2004-02-29T00:00:00Z"),
          Ok("0000-01-01", "0000-01-01T00:00:00Z"),
          Ok("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
          Err("2006-01-02T24", "parsing time \"2006-01-02T24\": hour out of range"),
          Err("2006-01-02T15:60", "parsing time \"2006-01-02T15:60\": minute out of range"),
          Err("2006-01-02T15:04:60", "parsing time \"2006-01-02T15:04:60\": second out of range"),
          Err("2006-01-02T15:04:05+25:00",
              "parsing time \"2006-01-02T15:04:05+25:00\": "
              "time zone offset hour out of range"),
          Err("2006-01-02T15:04:05+00:61",
              "parsing time \"2006-01-02T15:04:05+00:61\": "
              "time zone offset minute out of range"),
          Ok("2006-01-02T15:04:05+24:00", "2006-01-01T15:04:05Z"),
          Ok("2006-01-02T15:04:05-00:60", "2006-01-02T16:04:05Z"),
          Err("2006-01-02T15:04:05+0a:00",
              "parsing time \"2006-01-02T15:04:05+0a:00\" as "
              "\"2006-01-02T15:04:05Z07:00\": cannot parse \"+0a:00\" as "
              "\"Z07:00\""),
          // One colon less is counted for the offset, so ":05" is read as
          // the start of the zone.
          Err("2006-01-02T15:04:05+0100",
              "parsing time \"2006-01-02T15:04:05+0100\" as "
              "\"2006-01-02T15:04Z07:00\": cannot parse \":05+0100\" as "
              "\"Z07:00\""),
          Err("2006-01-02x", "parsing time \"2006-01-02x\": extra text: \"x\""),
          Err("2006-01-02T15:04:05Zjunk",
              "parsing time \"2006-01-02T15:04:05Zjunk\": extra text: "
              "\"junk\""),
          Err("2006-01-02T15:04:05.123x",
              "parsing time \"2006-01-02T15:04:05.123x\": extra text: \"x\""),
          Err("2006-01-02T15:04:05.", "parsing time \"2006-01-02T15:04:05.\": extra text: \".\""),
          Err("2006-01-02T15:04:05.Z",
              "parsing time \"2006-01-02T15:04:05.Z\" as "
              "\"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \".Z\" as "
              "\"Z07:00\""),
          // Lower-case z selects zoned mode but is not a zone designator.
          Err("2006-01-02T15:04:05z",
              "parsing time \"2006-01-02T15:04:05z\" as "
              "\"2006-01-02T15:04:05Z07:00\": cannot parse \"z\" as "
              "\"Z07:00\""),
          // A literal that does not match is reported as the layout element.
          Err("2006x01-02",
              "parsing time \"2006x01-02\" as \"2006-01-02\": "
              "cannot parse \"x01-02\" as \"-\""),
          Err("2006-01-02Tx15:04",
              "parsing time \"2006-01-02Tx15:04\" as "
              "\"2006-01-02T15:04\": cannot parse "
              "\"x15:04\" as \"15\""),
          Err("2006-01-02T15:04:05Z+01:00",
              "parsing time \"2006-01-02T15:04:05Z+01:00\": extra text: "
              "\"+01:00\""),
          Err("20O6-01-02",
              "parsing time \"20O6-01-02\" as \"2006-01-02\": "
              "cannot parse \"20O6-01-02\" as \"2006\""),
          Err("2006-1-02",
              "parsing time \"2006-1-02\" as \"2006-01-02\": "
              "cannot parse \"1-02\" as \"01\""),
          Err("2006-01-02 15:04", "parsing time \"2006-01-02 15:04\": extra text: \" 15:04\""),
          Err("2006-01-02t15",
              "parsing time \"2006-01-02t15\": extra text: "
              "\"t15\""),
          // Quoting of time.ParseError: non-ASCII and controls as \x bytes.
          Err("2006-01-02\xC3\xA9",
              "parsing time \"2006-01-02\\xc3\\xa9\": extra text: "
              "\"\\xc3\\xa9\""),
          Err("2006-01-02\"\x7F", "parsing time \"2006-01-02\\\"\x7F\": extra text: \"\\\"\x7F\""),
          // No '-': the date failure falls through to the Unix timestamp.
          Err("2006/01/02",
              "failed to parse value as time or duration: "
              "invalid seconds \"2006/01/02\": invalid syntax"),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, FractionsInDates) {
  RunCases(
      {
          // A fraction the layout does not name is accepted after seconds,
          // with a comma too; more than nine digits are truncated.
          Ok("2006-01-02T15:04:05,5Z", "2006-01-02T15:04:05.5Z"),
          Ok("2006-01-02T15:04:05,5+01:00", "2006-01-02T14:04:05.5Z"),
          Ok("2006-01-02T15:04:05.1234567899Z", "2006-01-02T15:04:05.123456789Z"),
          Ok("2006-01-02T15:04:05.1", "2006-01-02T15:04:05.1Z"),
          Err("2006-01-02T15:04:05,1.",
              "parsing time \"2006-01-02T15:04:05,1.\": extra text: \".\""),
      },
      absl::UTCTimeZone());
}

TEST(ParseTimestampTest, LocalModeUsesReferenceOffset) {
  const absl::TimeZone plus2 = absl::FixedTimeZone(2 * 3600);
  RunCases(
      {
          // No zone and not three dashes: read at +02:00.
          Ok("2006-01-02T15:04:05", "2006-01-02T13:04:05Z"),
          Ok("2006-01-02T15:04:05.5", "2006-01-02T13:04:05.5Z"),
          Ok("2006-01-02T15:04", "2006-01-02T13:04:00Z"),
          Ok("2006-01-02T15", "2006-01-02T13:00:00Z"),
          Ok("2006-01-02", "2006-01-01T22:00:00Z"),
          // A zone, or exactly three dashes: zoned, the local zone is unused.
          Ok("2006-01-02T15:04:05Z", "2006-01-02T15:04:05Z"),
          Ok("2006-01-02T15:04:05+01:00", "2006-01-02T14:04:05Z"),
          Ok("2006-01-02T15-00:00", "2006-01-02T15:00:00Z"),
          Ok("2006-01-02-00:01", "2006-01-02T00:01:00Z"),
          Ok("2006-01-02Z", "2006-01-02T00:00:00Z"),
          Err("2006-01-02z",
              "parsing time \"2006-01-02z\" as "
              "\"2006-01-02Z07:00\": cannot parse \"z\" as "
              "\"Z07:00\""),
          // Four dashes: local mode again, so the offset is extra text.
          Err("2006-01-02T15:04:05-01:00-",
              "parsing time \"2006-01-02T15:04:05-01:00-\": extra text: "
              "\"-01:00-\""),
          // Durations and Unix timestamps do not depend on the zone.
          Ok("0", "1970-01-01T00:00:00Z"),
          Ok("1h", "2020-01-02T02:04:05.123456789Z"),
      },
      plus2);
  const absl::TimeZone minus5 = absl::FixedTimeZone(-5 * 3600);
  RunCases(
      {
          Ok("2006-01-02T15", "2006-01-02T20:00:00Z"),
          Ok("2006-01-02", "2006-01-02T05:00:00Z"),
          Ok("2006-12-31T23:59:59.999999999", "2007-01-01T04:59:59.999999999Z"),
          Ok("2006-01-02T15+00:00", "2006-01-02T15:00:00Z"),
          Ok("1136073600", "2006-01-01T00:00:00Z"),
      },
      minus5);
}

TEST(ParseTimestampTest, LocalModeOffsetIsFixedAtReference) {
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &zone))
      << "time zone America/New_York not found: install tzdata (this test needs it)";
  // The reference is in January (-05:00); a July date is still read at
  // -05:00, not at the -04:00 that applied then (moby uses a fixed zone).
  absl::StatusOr<absl::Time> got = ParseTimestamp("2006-07-01", Reference(), zone);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(FormatRfc3339Nano(*got), "2006-07-01T05:00:00Z");
  const absl::Time july =
      absl::FromCivil(absl::CivilSecond(2020, 7, 1, 0, 0, 0), absl::UTCTimeZone());
  got = ParseTimestamp("2006-01-02", july, zone);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(FormatRfc3339Nano(*got), "2006-01-02T04:00:00Z");
}

struct DurationCase {
  std::string text;
  int64_t want_nanos = 0;
  std::string want_error;  // empty when the parse succeeds
};

TEST(ParseGoDurationTest, ValuesAndErrors) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::vector<DurationCase> cases = {
      {"0", 0, ""},
      {"+0", 0, ""},
      {"-0", 0, ""},
      {"0s", 0, ""},
      {"1.5h", 5'400'000'000'000, ""},
      {"1h30m", 5'400'000'000'000, ""},
      {"-1m", -60'000'000'000, ""},
      {"300ms", 300'000'000, ""},
      {"1\xC2\xB5s", 1'000, ""},
      {"1\xCE\xBCs", 1'000, ""},
      {"1.000000001s", 1'000'000'001, ""},
      {"0.1ns", 0, ""},
      {".5m", 30'000'000'000, ""},
      {"1.00000000000000000000000001h", 3'600'000'000'000, ""},
      {"9223372036854775807ns", kMax, ""},
      {"2562047h47m16.854775807s", kMax, ""},
      {"-9223372036854775808ns", kMin, ""},
      {"-2562047h47m16.854775808s", kMin, ""},
      {"9223372036854775808ns9223372036854775808ns", 0, ""},
      {"", 0, "time: invalid duration \"\""},
      {"-", 0, "time: invalid duration \"-\""},
      {".", 0, "time: invalid duration \".\""},
      {".s", 0, "time: invalid duration \".s\""},
      {"x", 0, "time: invalid duration \"x\""},
      {"1", 0, "time: missing unit in duration \"1\""},
      {".1", 0, "time: missing unit in duration \".1\""},
      {"1.1.1s", 0, "time: missing unit in duration \"1.1.1s\""},
      {"1d", 0, "time: unknown unit \"d\" in duration \"1d\""},
      {"1h ", 0, "time: unknown unit \"h \" in duration \"1h \""},
      {"1h-1m", 0, "time: unknown unit \"h-\" in duration \"1h-1m\""},
      {"1e3s", 0, "time: unknown unit \"e\" in duration \"1e3s\""},
      {"1\xC2\xB5", 0, "time: unknown unit \"\\xc2\\xb5\" in duration \"1\\xc2\\xb5\""},
      {"9223372036854775808ns", 0, "time: invalid duration \"9223372036854775808ns\""},
      {"-9223372036854775809ns", 0, "time: invalid duration \"-9223372036854775809ns\""},
      {"2562048h", 0, "time: invalid duration \"2562048h\""},
      {"2562047h47m16.854775808s", 0, "time: invalid duration \"2562047h47m16.854775808s\""},
      {"99999999999999999999ns", 0, "time: invalid duration \"99999999999999999999ns\""},
  };
  for (const DurationCase& c : cases) {
    SCOPED_TRACE("duration: \"" + c.text + "\"");
    absl::StatusOr<int64_t> got = ParseGoDuration(c.text);
    if (c.want_error.empty()) {
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, c.want_nanos);
    } else {
      ASSERT_FALSE(got.ok()) << *got;
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(got.status().message()), c.want_error);
    }
  }
}

TEST(FormatRfc3339NanoTest, Formats) {
  EXPECT_EQ(FormatRfc3339Nano(absl::UnixEpoch()), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(absl::UnixEpoch() + absl::Milliseconds(100)),
            "1970-01-01T00:00:00.1Z");
  EXPECT_EQ(FormatRfc3339Nano(absl::UnixEpoch() - absl::Nanoseconds(1)),
            "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(
      FormatRfc3339Nano(absl::FromCivil(absl::CivilSecond(5, 6, 7, 8, 9, 10), absl::UTCTimeZone())),
      "0005-06-07T08:09:10Z");
  EXPECT_EQ(FormatRfc3339Nano(absl::InfinitePast()), "infinite-past");
  EXPECT_EQ(FormatRfc3339Nano(absl::InfiniteFuture()), "infinite-future");
}

TEST(UntilFilterErrorTest, PrefixesAndClassifies) {
  absl::StatusOr<absl::Time> bad = ParseTimestamp("", Reference(), absl::UTCTimeZone());
  ASSERT_FALSE(bad.ok());
  const absl::Status wrapped = UntilFilterError(bad.status());
  EXPECT_EQ(wrapped.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(wrapped.message()),
            "invalid value for 'until' filter: "
            "failed to parse value as time or duration: value is empty");
  EXPECT_TRUE(UntilFilterError(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace reclaim
