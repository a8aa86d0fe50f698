#include "core/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim::utf8 {
namespace {

struct DecodeCase {
  std::string in;
  char32_t rune;
  size_t width;
};

// Go's utf8.DecodeRuneInString on each input (the results Go's documentation
// and its own table tests give).
TEST(Utf8Test, DecodeRuneAsGo) {
  const DecodeCase cases[] = {
      {"", kRuneError, 0},
      {"a", 'a', 1},
      {std::string("\x00", 1), 0, 1},
      {"\x7f", 0x7F, 1},
      {"\xc2\x80", 0x80, 2},
      {"\xc3\xa9x", 0xE9, 2},  // only the first rune
      {"\xdf\xbf", 0x7FF, 2},
      {"\xe0\xa0\x80", 0x800, 3},
      {"\xed\x9f\xbf", 0xD7FF, 3},  // last before the surrogates
      {"\xee\x80\x80", 0xE000, 3},  // first after them
      {"\xef\xbf\xbd", 0xFFFD, 3},  // an encoded U+FFFD is valid
      {"\xef\xbf\xbf", 0xFFFF, 3},
      {"\xf0\x90\x80\x80", 0x10000, 4},
      {"\xf0\x9f\x90\xb3", 0x1F433, 4},
      {"\xf4\x8f\xbf\xbf", 0x10FFFF, 4},
      // Invalid: (U+FFFD, 1) whatever follows.
      {"\x80", kRuneError, 1},  // stray continuation
      {"\xbf\x80", kRuneError, 1},
      {"\xc0\x80", kRuneError, 1},  // overlong NUL
      {"\xc1\xbf", kRuneError, 1},  // overlong 7F
      {"\xc2", kRuneError, 1},      // truncated
      {"\xc2\x41", kRuneError, 1},  // bad continuation
      {"\xc2\xc0", kRuneError, 1},
      {"\xe0\x80\x80", kRuneError, 1},  // overlong 3-byte
      {"\xe0\x9f\xbf", kRuneError, 1},
      {"\xe2\x82", kRuneError, 1},  // truncated 3-byte
      {"\xe2\x82\x41", kRuneError, 1},
      {"\xed\xa0\x80", kRuneError, 1},      // surrogate U+D800
      {"\xed\xbf\xbf", kRuneError, 1},      // surrogate U+DFFF
      {"\xf0\x8f\xbf\xbf", kRuneError, 1},  // overlong 4-byte
      {"\xf0\x9f\x98", kRuneError, 1},      // truncated 4-byte
      {"\xf4\x90\x80\x80", kRuneError, 1},  // above U+10FFFF
      {"\xf5\x80\x80\x80", kRuneError, 1},
      {"\xfe", kRuneError, 1},
      {"\xff", kRuneError, 1},
  };
  for (const DecodeCase& c : cases) {
    const DecodedRune d = DecodeRune(c.in);
    EXPECT_EQ(d.rune, c.rune) << testing::PrintToString(c.in);
    EXPECT_EQ(d.width, c.width) << testing::PrintToString(c.in);
    EXPECT_EQ(d.invalid(), c.rune == kRuneError && c.width == 1) << testing::PrintToString(c.in);
  }
}

struct StringCase {
  std::string in;
  bool valid;
  size_t runes;
};

TEST(Utf8Test, ValidAndRuneCountAsGo) {
  const StringCase cases[] = {
      {"", true, 0},
      {"abc", true, 3},
      {"h\xc3\xa9llo", true, 5},
      {"\xe6\x97\xa5\xe6\x9c\xac", true, 2},
      {"\xf0\x9f\x90\xb3!", true, 2},
      {"\xef\xbf\xbd", true, 1},
      {"a\xff", false, 2},
      {"\xe2\x82", false, 2},  // each byte of a truncated sequence counts
      {"\xe2\x82\x41", false, 3},
      {"\xed\xa0\x80", false, 3},  // a surrogate is three invalid bytes
      {"\xc0\xaf", false, 2},
      {"\xf4\x90\x80\x80", false, 4},
  };
  for (const StringCase& c : cases) {
    EXPECT_EQ(Valid(c.in), c.valid) << testing::PrintToString(c.in);
    EXPECT_EQ(RuneCount(c.in), c.runes) << testing::PrintToString(c.in);
  }
}

struct RuneCase {
  char32_t rune;
  bool valid;
  std::string encoded;  // utf8.AppendRune
};

TEST(Utf8Test, ValidRuneAndAppendRuneAsGo) {
  const RuneCase cases[] = {
      {0, true, std::string("\x00", 1)},
      {'A', true, "A"},
      {0x7F, true, "\x7f"},
      {0x80, true, "\xc2\x80"},
      {0x7FF, true, "\xdf\xbf"},
      {0x800, true, "\xe0\xa0\x80"},
      {0xD7FF, true, "\xed\x9f\xbf"},
      {0xD800, false, "\xef\xbf\xbd"},
      {0xDFFF, false, "\xef\xbf\xbd"},
      {0xE000, true, "\xee\x80\x80"},
      {0xFFFF, true, "\xef\xbf\xbf"},
      {0x10000, true, "\xf0\x90\x80\x80"},
      {0x10FFFF, true, "\xf4\x8f\xbf\xbf"},
      {0x110000, false, "\xef\xbf\xbd"},
      {0xFFFFFFFF, false, "\xef\xbf\xbd"},
  };
  for (const RuneCase& c : cases) {
    EXPECT_EQ(ValidRune(c.rune), c.valid) << static_cast<uint32_t>(c.rune);
    std::string out = "x";
    AppendRune(out, c.rune);
    EXPECT_EQ(out, "x" + c.encoded) << static_cast<uint32_t>(c.rune);
  }
}

// Every code point: what AppendRune writes DecodeRune reads back whole.
TEST(Utf8Test, EveryValidRuneRoundTrips) {
  for (char32_t r = 0; r <= kMaxRune; ++r) {
    if (!ValidRune(r)) continue;
    std::string encoded;
    AppendRune(encoded, r);
    const DecodedRune d = DecodeRune(encoded);
    ASSERT_EQ(d.rune, r);
    ASSERT_EQ(d.width, encoded.size());
    ASSERT_TRUE(Valid(encoded));
  }
}

}  // namespace
}  // namespace reclaim::utf8
