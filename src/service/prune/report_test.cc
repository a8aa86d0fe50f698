#include "service/prune/report.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

const std::string kD1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const std::string kD2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

struct RenderCase {
  std::string name;
  Report report;
  std::string json;
  std::string cli;
};

TEST(ReportTest, Render) {
  const std::vector<RenderCase> cases = {
      {"empty", Report{}, R"({"ImagesDeleted":null,"SpaceReclaimed":0})",
       "Total reclaimed space: 0B\n"},
      {"empty list ignores space in the CLI", Report{{}, 5000, {}},
       R"({"ImagesDeleted":null,"SpaceReclaimed":5000})", "Total reclaimed space: 0B\n"},
      {"one image",
       Report{
           {ReportItem::Untagged("busybox:a"), ReportItem::Deleted(kD1), ReportItem::Deleted(kD2)},
           1234567,
           {}},
       R"({"ImagesDeleted":[{"Untagged":"busybox:a"},{"Deleted":")" + kD1 + R"("},{"Deleted":")" +
           kD2 + R"("}],"SpaceReclaimed":1234567})",
       "Deleted Images:\nuntagged: busybox:a\ndeleted: " + kD1 + "\ndeleted: " + kD2 +
           "\n\nTotal reclaimed space: 1.235MB\n"},
      {"dangling shows the digest", Report{{ReportItem::Untagged(kD1)}, 999, {}},
       R"({"ImagesDeleted":[{"Untagged":")" + kD1 + R"("}],"SpaceReclaimed":999})",
       "Deleted Images:\nuntagged: " + kD1 + "\n\nTotal reclaimed space: 999B\n"},
      {"errors are not rendered",
       Report{{ReportItem::Untagged("a:1")}, 1000, {{"x", absl::InternalError("boom")}}},
       R"({"ImagesDeleted":[{"Untagged":"a:1"}],"SpaceReclaimed":1000})",
       "Deleted Images:\nuntagged: a:1\n\nTotal reclaimed space: 1kB\n"},
      {"uint64 max", Report{{ReportItem::Deleted(kD1)}, 18446744073709551615ull, {}},
       R"({"ImagesDeleted":[{"Deleted":")" + kD1 + R"("}],"SpaceReclaimed":18446744073709551615})",
       "Deleted Images:\ndeleted: " + kD1 + "\n\nTotal reclaimed space: 18.45EB\n"},
  };
  for (const RenderCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ReportJson(c.report), c.json);
    EXPECT_EQ(ReportCliText(c.report), c.cli);
  }
}

TEST(ReportTest, ItemWithBothFieldsUsesGoFieldOrder) {
  Report r;
  r.images_deleted.push_back(ReportItem{"u", "d"});
  r.images_deleted.push_back(ReportItem{"", ""});
  EXPECT_EQ(ReportJson(r),
            R"({"ImagesDeleted":[{"Deleted":"d","Untagged":"u"},{}],"SpaceReclaimed":0})");
}

struct EscapeCase {
  std::string in;
  std::string out;
};

// Go encoding/json with SetEscapeHTML(false), as moby's WriteJSON.
TEST(ReportTest, GoJsonStringNoHtmlEscape) {
  const std::vector<EscapeCase> cases = {
      {"", R"("")"},
      {"plain:tag", R"("plain:tag")"},
      {"<a&b>", R"("<a&b>")"},
      {"q\"b\\s", R"("q\"b\\s")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
      {std::string("\x00\x01\x1f", 3), R"("\u0000\u0001\u001f")"},
      {"\x7f", "\"\x7f\""},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
      {"\xe2\x80\xa8\xe2\x80\xa9", R"("\u2028\u2029")"},
      {"\xff", R"("\ufffd")"},
      {"\xc3", R"("\ufffd")"},
      {"\xc0\xaf", R"("\ufffd\ufffd")"},
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},
      {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
      {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},
  };
  for (const EscapeCase& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(GoJsonStringNoHtmlEscape(c.in), c.out);
  }
}

TEST(ReportTest, JsonEscapesNames) {
  Report r;
  r.images_deleted.push_back(ReportItem::Untagged("we\"ird\n"));
  EXPECT_EQ(ReportJson(r), R"({"ImagesDeleted":[{"Untagged":"we\"ird\n"}],"SpaceReclaimed":0})");
}

}  // namespace
}  // namespace reclaim
