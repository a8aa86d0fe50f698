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

TEST(ProgressTest, ItemCountsJsonLinesAndPhases) {
  EXPECT_EQ(ProgressBar::Render("Reading images", 120, 5000, ProgressUnit::kItems),
            "Reading images  [=>" + std::string(49, ' ') + "]      120/5000");
  EXPECT_EQ(ProgressBar::JsonLine("load", "Loading", 10, 0, ProgressUnit::kBytes),
            R"({"progress":{"operation":"load","status":"Loading","current":10,"unit":"bytes"}})");

  absl::Time now = absl::UnixEpoch();
  std::ostringstream out;
  ProgressBar bar(out, "Reading images", 0, absl::ZeroDuration(), absl::Milliseconds(100),
                  [&] { return now; });
  bar.Unit(ProgressUnit::kItems).JsonLines("prune");
  bar.Update(1, 4);
  bar.Update(2, 4);  // throttled
  bar.Relabel("Deleting 3 images");
  bar.Update(0, 3);  // a new phase is drawn at once
  bar.Finish();      // JSON lines need no erasing
  EXPECT_EQ(out.str(),
            ProgressBar::JsonLine("prune", "Reading images", 1, 4, ProgressUnit::kItems) + "\n" +
                ProgressBar::JsonLine("prune", "Deleting 3 images", 0, 3, ProgressUnit::kItems) +
                "\n");
}

TEST(LayerRowsTest, ElsewhereOneLinePerMessageWithoutByteCounts) {
  std::ostringstream out;
  LayerRows rows(out, /*terminal=*/false);
  rows.Line("1: Pulling from x/app");
  rows.Update("aaaaaaaaaaaa", "Pulling fs layer");
  rows.Update("aaaaaaaaaaaa", "Downloading", 10, 100);
  rows.Update("aaaaaaaaaaaa", "Download complete");
  rows.Line("Digest: sha256:x");
  EXPECT_EQ(out.str(),
            "1: Pulling from x/app\naaaaaaaaaaaa: Pulling fs layer\n"
            "aaaaaaaaaaaa: Download complete\nDigest: sha256:x\n");
}

TEST(LayerRowsTest, OnATerminalEachIdOwnsARowRewrittenInPlace) {
  std::ostringstream out;
  LayerRows rows(out, /*terminal=*/true);
  rows.Update("a", "Waiting");  // a new row: newline, up 1, write, down 1
  EXPECT_EQ(out.str(), "\n\x1b[1A\x1b[2K\ra: Waiting\r\x1b[1B");
  out.str("");
  rows.Update("b", "Waiting");
  rows.Update("a", "Pushing", 100, 100);  // two rows up, with its bar
  EXPECT_EQ(out.str(), "\n\x1b[1A\x1b[2K\rb: Waiting\r\x1b[1B"
                       "\x1b[2A\x1b[2K\ra: Pushing " + ProgressBar::Bar(100, 100) + "\r\x1b[2B");
  out.str("");
  rows.Line("1: digest: sha256:x size: 1");  // a plain line ends the rows
  rows.Update("a", "Pushed");
  EXPECT_EQ(out.str(), "1: digest: sha256:x size: 1\n\n\x1b[1A\x1b[2K\ra: Pushed\r\x1b[1B");
}

}  // namespace
}  // namespace reclaim
