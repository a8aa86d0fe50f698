#include "metrics/metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

bool HasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsTest, PrunesCountByKindAndResult) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  Metrics m({.version = "1.2.3", .clock = &clock});
  std::string before = m.Scrape();
  EXPECT_TRUE(HasLine(before, R"(reclaim_build_info{version="1.2.3"} 1)")) << before;
  // Zero before the first prune, so rate() works from the start.
  EXPECT_TRUE(HasLine(before, R"(reclaim_prune_runs_total{kind="image",result="success"} 0)"))
      << before;
  EXPECT_EQ(before.find("reclaim_last_successful_prune_timestamp_seconds{"), std::string::npos);

  m.Finished({.kind = "image_prune", .ok = true, .duration = absl::Milliseconds(30),
              .bytes = 4096, .items = 3});
  m.Finished({.kind = "image_prune", .ok = false, .duration = absl::Seconds(2)});
  m.Finished({.kind = "container_prune", .ok = true, .items = 2});
  std::string text = m.Scrape();
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_runs_total{kind="image",result="success"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_runs_total{kind="image",result="error"} 1)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_runs_total{kind="container",result="success"} 1)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_reclaimed_bytes_total{kind="image"} 4096)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_deleted_total{kind="image"} 3)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_deleted_total{kind="container"} 2)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_duration_seconds_count{kind="image"} 2)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_duration_seconds_bucket{kind="image",le="0.05"} 1)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_prune_duration_seconds_bucket{kind="image",le="+Inf"} 2)"));
  EXPECT_TRUE(HasLine(
      text, R"(reclaim_last_successful_prune_timestamp_seconds{kind="image"} 1700000000)"))
      << text;
  EXPECT_TRUE(HasLine(text, "# TYPE reclaim_prune_runs_total counter"));
  EXPECT_TRUE(HasLine(text, "# TYPE reclaim_prune_duration_seconds histogram"));
}

TEST(MetricsTest, TransfersAndRequests) {
  Metrics m({.version = "x"});
  m.Finished({.kind = "pull", .ok = true, .duration = absl::Seconds(1), .bytes = 1000});
  m.Finished({.kind = "pull", .ok = false});
  m.ObserveRequest("GET /images/{name}/json", 404, absl::Milliseconds(2));
  m.ObserveRequest("GET /images/{name}/json", 200, absl::Milliseconds(20));
  std::string text = m.Scrape();
  EXPECT_TRUE(HasLine(text, R"(reclaim_transfers_total{operation="pull",result="success"} 1)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_transfers_total{operation="pull",result="error"} 1)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_transfer_bytes_total{operation="pull"} 1000)")) << text;
  EXPECT_TRUE(HasLine(text, R"(reclaim_api_requests_total{code="404",route="GET /images/{name}/json"} 1)"))
      << text;
  EXPECT_TRUE(HasLine(
      text, R"(reclaim_api_request_duration_seconds_bucket{route="GET /images/{name}/json",le="0.005"} 1)"))
      << text;
  EXPECT_TRUE(HasLine(text, R"(reclaim_api_request_duration_seconds_count{route="GET /images/{name}/json"} 2)"));
}

TEST(MetricsTest, StoreGaugesAreReadAtEachScrape) {
  int calls = 0;
  bool fail = false;
  Metrics m({.version = "x", .store = [&]() -> absl::StatusOr<StoreFigures> {
               ++calls;
               if (fail) return absl::UnavailableError("containerd is down");
               return StoreFigures{.images = 3, .content_bytes = 1 << 20, .snapshot_bytes = 77};
             }});
  std::string text = m.Scrape();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(HasLine(text, "reclaim_images 3")) << text;
  EXPECT_TRUE(HasLine(text, R"(reclaim_store_bytes{kind="content"} 1048576)"));
  EXPECT_TRUE(HasLine(text, R"(reclaim_store_bytes{kind="snapshots"} 77)"));
  fail = true;
  text = m.Scrape();
  EXPECT_TRUE(HasLine(text, "reclaim_store_read_errors_total 1")) << text;
}

}  // namespace
}  // namespace reclaim
