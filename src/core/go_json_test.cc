#include "core/go_json.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

struct Case {
  std::string in;
  std::string html_on;   // json.Marshal
  std::string html_off;  // moby's WriteJSON
};

TEST(GoJsonTest, EscapesAsGoDoes) {
  const Case cases[] = {
      {"", R"("")", R"("")"},
      {"plain", R"("plain")", R"("plain")"},
      {"a\"b\\c", R"("a\"b\\c")", R"("a\"b\\c")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")", R"("\b\f\n\r\t")"},
      {std::string("\x00\x01\x1f", 3), R"("\u0000\u0001\u001f")", R"("\u0000\u0001\u001f")"},
      {"<a&b>", R"("\u003ca\u0026b\u003e")", R"("<a&b>")"},
      {"\x7f", "\"\x7f\"", "\"\x7f\""},
      {"é ü 日本 🐳", "\"é ü 日本 🐳\"", "\"é ü 日本 🐳\""},
      {"\xe2\x80\xa8\xe2\x80\xa9", R"("\u2028\u2029")", R"("\u2028\u2029")"},
      {"\xff", R"("\ufffd")", R"("\ufffd")"},
      {"a\xc3", R"("a\ufffd")", R"("a\ufffd")"},                      // truncated
      {"\xc0\xaf", R"("\ufffd\ufffd")", R"("\ufffd\ufffd")"},         // overlong
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")", R"("\ufffd\ufffd\ufffd")"},  // surrogate
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")", R"("\ufffd\ufffd\ufffd\ufffd")"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GoJsonQuoted(c.in), c.html_on) << c.in;
    EXPECT_EQ(GoJsonQuoted(c.in, GoHtmlEscape::kOff), c.html_off) << c.in;
  }
}

TEST(GoJsonTest, AppendKeepsWhatIsThere) {
  std::string out = "{\"k\":";
  AppendGoJsonQuoted("v", GoHtmlEscape::kOn, &out);
  EXPECT_EQ(out, R"({"k":"v")");
}

}  // namespace
}  // namespace reclaim
