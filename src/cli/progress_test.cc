#include "cli/progress.h"

#include <sstream>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(ProgressTest, RenderLikeDockerJsonProgress) {
  EXPECT_EQ(ProgressBar::Render("Loading", 0, 100),
            "Loading  [>" + std::string(50, ' ') + "]       0B/100B");
  EXPECT_EQ(ProgressBar::Render("Loading", 50, 100),
            "Loading  [" + std::string(25, '=') + ">" + std::string(25, ' ') + "]      50B/100B");
  EXPECT_EQ(ProgressBar::Render("Loading", 12345678, 12345678),
            "Loading  [" + std::string(50, '=') + ">]  12.35MB/12.35MB");
  // Current past the total: the total is dropped; unknown total: bytes only.
  EXPECT_EQ(ProgressBar::Render("Loading", 200, 100),
            "Loading  [" + std::string(50, '=') + ">]     200B");
  EXPECT_EQ(ProgressBar::Render("Loading", 1500, 0), "Loading     1.5kB");
}

TEST(ProgressTest, DrawsOnlyAfterTheDelayAndThrottles) {
  absl::Time now = absl::UnixEpoch();
  std::ostringstream out;
  ProgressBar bar(out, "Loading", 100, absl::Milliseconds(500), absl::Milliseconds(100),
                  [&] { return now; });
  bar.Update(10);
  now += absl::Milliseconds(499);
  bar.Update(20);
  EXPECT_EQ(out.str(), "");  // a short load prints nothing
  EXPECT_FALSE(bar.drawn());
  now += absl::Milliseconds(1);
  bar.Update(30);
  EXPECT_EQ(out.str(), "\r" + ProgressBar::Render("Loading", 30, 100) + "\x1b[K");
  now += absl::Milliseconds(50);
  bar.Update(40);  // throttled
  EXPECT_EQ(out.str(), "\r" + ProgressBar::Render("Loading", 30, 100) + "\x1b[K");
  now += absl::Milliseconds(50);
  bar.Update(50);
  EXPECT_NE(out.str().find(ProgressBar::Render("Loading", 50, 100)), std::string::npos);
  bar.Finish();
  EXPECT_TRUE(out.str().ends_with("\r\x1b[K"));
  EXPECT_FALSE(bar.drawn());
}

TEST(ProgressTest, FinishWithoutDrawingPrintsNothing) {
  std::ostringstream out;
  ProgressBar bar(out, "Loading", 100);
  bar.Update(100);  // well within the default delay
  bar.Finish();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace reclaim
