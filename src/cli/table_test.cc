#include "cli/table.h"

#include <sstream>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(TableTest, PadsLikeTabwriter) {
  Table t({"REPOSITORY", "TAG", "SIZE"});
  t.Add({"busybox", "latest", "4.26MB"});
  t.Add({"ghcr.io/org/a-much-longer-name", "1", "0B"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "REPOSITORY                       TAG       SIZE\n"
            "busybox                          latest    4.26MB\n"
            "ghcr.io/org/a-much-longer-name   1         0B\n");
}

TEST(TableTest, HumanDuration) {
  struct Case {
    absl::Duration d;
    const char* want;
  } cases[] = {
      {absl::Milliseconds(500), "Less than a second"},
      {absl::Seconds(1), "1 second"},
      {absl::Seconds(59), "59 seconds"},
      {absl::Seconds(60), "About a minute"},
      {absl::Minutes(2), "2 minutes"},
      {absl::Minutes(59), "59 minutes"},
      {absl::Minutes(60), "About an hour"},
      {absl::Minutes(89), "About an hour"},
      {absl::Minutes(89), "About an hour"},
      {absl::Minutes(90), "2 hours"},  // go-units rounds hours: int(1.5 + 0.5)
      {absl::Hours(24 * 2) - absl::Minutes(20), "2 days"},
      {absl::Seconds(-5), "Less than a second"},
      {absl::Hours(47), "47 hours"},
      {absl::Hours(48), "2 days"},
      {absl::Hours(24 * 13), "13 days"},
      {absl::Hours(24 * 14), "2 weeks"},
      {absl::Hours(24 * 60), "2 months"},
      {absl::Hours(24 * 365 * 2), "2 years"},
      {absl::Hours(24 * 365 * 3 - 1), "2 years"},  // years truncate the hours
  };
  for (const auto& c : cases) EXPECT_EQ(HumanDuration(c.d), c.want) << c.want;
}

TEST(TableTest, WidthsCountRunesAndIgnoreTheLastCell) {
  Table t({"A", "COMMENT"});
  t.Add({"\u2026\u2026", "a very long last cell that widens nothing"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "A         COMMENT\n"
            "\u2026\u2026        a very long last cell that widens nothing\n");
}

TEST(TableTest, HumanSizeWithPrecision) {
  struct Case {
    double bytes;
    const char* want;
  } cases[] = {{0, "0B"},          {999, "999B"},         {1000, "1kB"},
               {1234, "1.23kB"},   {999999, "1e+03kB"},   {8000000, "8MB"},
               {4260000, "4.26MB"}, {123456789012, "123GB"}};
  for (const auto& c : cases) EXPECT_EQ(HumanSizeWithPrecision(c.bytes, 3), c.want) << c.bytes;
}

TEST(TableTest, EllipsisAndTruncateId) {
  EXPECT_EQ(Ellipsis("/bin/sh", 20), "/bin/sh");
  EXPECT_EQ(Ellipsis("0123456789abcdefghij", 20), "0123456789abcdefghij");
  EXPECT_EQ(Ellipsis("0123456789abcdefghijk", 20), "0123456789abcdefghi\u2026");
  EXPECT_EQ(Ellipsis("\u00e9\u00e9\u00e9", 2), "\u00e9\u2026");
  EXPECT_EQ(Ellipsis("abc", 0), "");
  EXPECT_EQ(TruncateId("sha256:0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(TruncateId("0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(TruncateId("<missing>"), "<missing>");
}

}  // namespace
}  // namespace reclaim
