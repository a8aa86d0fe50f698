#include "core/go_strconv.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace reclaim::strconv {
namespace {

struct QuoteCase {
  std::string in;
  std::string want;  // strconv.Quote(in)
};

TEST(GoStrconvTest, QuoteAsGo) {
  const QuoteCase cases[] = {
      {"", R"("")"},
      {"plain text", R"("plain text")"},
      {"\a\b\f\r\n\t\v", R"("\a\b\f\r\n\t\v")"},
      {"\\", R"("\\")"},
      {"\"", R"("\"")"},
      {"'", R"("'")"},  // only the delimiter is escaped
      {std::string("\x00\x04\x1f", 3), R"("\x00\x04\x1f")"},
      {"\x7f", R"("\x7f")"},
      {"abc\xff"
       "def",
       R"("abc\xffdef")"},                             // an invalid byte
      {"\xed\xa0\x80", R"("\xed\xa0\x80")"},           // a surrogate's three bytes
      {"a\xe2\x82", R"("a\xe2\x82")"},                 // truncated sequence
      {"\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\""},  // printable runes kept
      {"\xe2\x98\xba", "\"\xe2\x98\xba\""},            // U+263A
      {"\xf0\x9f\x90\xb3", "\"\xf0\x9f\x90\xb3\""},    // U+1F433
      {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},            // an encoded U+FFFD is printable
      {"!\xc2\xa0!\xe2\x80\x80!\xe3\x80\x80!", R"("!\u00a0!\u2000!\u3000!")"},  // spaces
      {"\xc2\xad", R"("\u00ad")"},                                              // soft hyphen (Cf)
      {"\xe2\x80\x8b", R"("\u200b")"},          // zero-width space (Cf)
      {"\xe2\x80\xa8", R"("\u2028")"},          // line separator (Zl)
      {"\xee\x80\x80", R"("\ue000")"},          // private use
      {"\xf3\xa0\x80\x81", R"("\U000e0001")"},  // language tag (Cf)
      {"\xf4\x8f\xbf\xbf", R"("\U0010ffff")"},  // noncharacter
  };
  for (const QuoteCase& c : cases) {
    EXPECT_EQ(Quote(c.in), c.want) << testing::PrintToString(c.in);
  }
}

struct QuoteRuneCase {
  char32_t in;
  std::string want;  // strconv.QuoteRune(in)
};

TEST(GoStrconvTest, QuoteRuneAsGo) {
  const QuoteRuneCase cases[] = {
      {'a', "'a'"},
      {'\a', R"('\a')"},
      {'\\', R"('\\')"},
      {'\'', R"('\'')"},
      {'"', R"('"')"},
      {0x04, R"('\x04')"},
      {0x7F, R"('\x7f')"},
      {0xFF, "'\xc3\xbf'"},
      {0x263A, "'\xe2\x98\xba'"},
      {0xFFFD, "'\xef\xbf\xbd'"},
      {0xDEAD, "'\xef\xbf\xbd'"},  // a surrogate quotes as U+FFFD
      {0x10FFFF, R"('\U0010ffff')"},
      {0x110000, "'\xef\xbf\xbd'"},
  };
  for (const QuoteRuneCase& c : cases) {
    EXPECT_EQ(QuoteRune(c.in), c.want) << static_cast<uint32_t>(c.in);
  }
}

struct PrintCase {
  char32_t rune;
  bool printable;
};

TEST(GoStrconvTest, IsPrintAsGo) {
  const PrintCase cases[] = {
      {0x00, false},   {0x1F, false},    {' ', true},       {'~', true},       {0x7F, false},
      {0x9F, false},   {0xA0, false},    {0xA1, true},      {0xAC, true},      {0xAD, false},
      {0xAE, true},    {0xFF, true},     {0x100, true},     {0x377, true},     {0x378, false},
      {0x2028, false}, {0x3000, false},  {0x4E00, true},    {0xD7A3, true},    {0xD800, false},
      {0xE000, false}, {0xFFFD, true},   {0xFFFE, false},   {0x1F433, true},   {0xE0100, true},
      {0xE01EF, true}, {0xE01F0, false}, {0x10FFFF, false}, {0x110000, false},
  };
  for (const PrintCase& c : cases) {
    EXPECT_EQ(IsPrint(c.rune), c.printable) << std::hex << static_cast<uint32_t>(c.rune);
  }
}

struct ParseCase {
  std::string in;
  absl::StatusCode code;
  int64_t want;
};

TEST(GoStrconvTest, ParseInt64AsGo) {
  constexpr auto kOk = absl::StatusCode::kOk;
  constexpr auto kSyntax = absl::StatusCode::kInvalidArgument;
  constexpr auto kRange = absl::StatusCode::kOutOfRange;
  const ParseCase cases[] = {
      {"0", kOk, 0},
      {"-0", kOk, 0},
      {"+5", kOk, 5},
      {"007", kOk, 7},
      {"12345", kOk, 12345},
      {"-12345", kOk, -12345},
      {"9223372036854775807", kOk, INT64_MAX},
      {"-9223372036854775808", kOk, INT64_MIN},
      {"9223372036854775808", kRange, 0},
      {"-9223372036854775809", kRange, 0},
      {"18446744073709551616", kRange, 0},   // past uint64 too
      {"99999999999999999999x", kRange, 0},  // the overflow comes first
      {"", kSyntax, 0},
      {"+", kSyntax, 0},
      {"-", kSyntax, 0},
      {"9x", kSyntax, 0},
      {" 1", kSyntax, 0},
      {"1 ", kSyntax, 0},
      {"1_000", kSyntax, 0},
      {"0x10", kSyntax, 0},
      {"1.5", kSyntax, 0},
      {"--1", kSyntax, 0},
  };
  for (const ParseCase& c : cases) {
    absl::StatusOr<int64_t> got = ParseInt64(c.in);
    ASSERT_EQ(got.status().code(), c.code) << c.in << ": " << got.status();
    if (got.ok()) {
      EXPECT_EQ(*got, c.want) << c.in;
    } else {
      const std::string err(c.code == kRange ? kErrRange : kErrSyntax);
      EXPECT_EQ(got.status().message(), "strconv.ParseInt: parsing " + Quote(c.in) + ": " + err);
    }
  }
}

TEST(GoStrconvTest, ParseInt64ErrorQuotesTheInput) {
  EXPECT_EQ(ParseInt64("1\xff").status().message(),
            R"(strconv.ParseInt: parsing "1\xff": invalid syntax)");
  EXPECT_EQ(ParseInt64("9x").status().message(),
            R"(strconv.ParseInt: parsing "9x": invalid syntax)");
}

}  // namespace
}  // namespace reclaim::strconv
