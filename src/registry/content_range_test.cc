#include "registry/content_range.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(ContentRangeTest, Plans) {
  const struct {
    uint64_t offset;
    int status;
    std::string range;
    bool ok;
    ResumePlan plan;
  } cases[] = {
      {0, 200, "", true, {0, false}},
      {0, 206, "bytes 0-9/10", true, {0, false}},
      {0, 206, "bytes 5-9/10", false, {}},
      {100, 206, "bytes 100-199/200", true, {0, true}},
      {100, 206, "bytes 100-199/*", true, {0, true}},
      {100, 200, "", true, {100, false}},
      {100, 206, "bytes 0-199/200", false, {}},
      {100, 206, "bytes 1000-1999/2000", false, {}},  // "bytes 100" is a prefix of "bytes 1000"
      {100, 206, "", false, {}},
      {100, 200, "bytes 100-199/200", false, {}},
      {100, 206, "items 100-199/200", false, {}},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ResumePlan> p = PlanResume(c.offset, c.status, c.range);
    EXPECT_EQ(p.ok(), c.ok) << c.offset << " " << c.status << " " << c.range;
    if (c.ok && p.ok()) {
      EXPECT_EQ(*p, c.plan) << c.offset << " " << c.status << " " << c.range;
    } else if (!p.ok()) {
      EXPECT_EQ(p.status().message(), "unhandled content range in response");
      EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
    }
  }
}

}  // namespace
}  // namespace reclaim
