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
      {absl::Minutes(90), "1 hours"},
      {absl::Hours(47), "47 hours"},
      {absl::Hours(48), "2 days"},
      {absl::Hours(24 * 13), "13 days"},
      {absl::Hours(24 * 14), "2 weeks"},
      {absl::Hours(24 * 60), "2 months"},
      {absl::Hours(24 * 365 * 2), "2 years"},
  };
  for (const auto& c : cases) EXPECT_EQ(HumanDuration(c.d), c.want) << c.want;
}

}  // namespace
}  // namespace reclaim
