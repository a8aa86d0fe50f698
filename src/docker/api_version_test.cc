// File: docker/api_version_test.cc
#include "docker/api_version.h"

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(ApiVersionTest, CompareLikeMoby) {
  struct Case {
    const char* a;
    const char* b;
    int want;
  };
  const Case cases[] = {
      {"1.50", "1.50", 0}, {"1.24", "1.50", -1},  {"1.5", "1.24", -1},
      {"1.50", "1.5", 1},  {"1.24", "1.24.0", 0}, {"2", "1.50", 1},
      {"1.x", "1.0", 0},   {"", "0", 0},          {"1.51", "1.50", 1},
      {"1.9", "1.10", -1}, {"1..5", "1.0.5", 0},  {"1.99999999999999999999", "1.50", 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CompareApiVersions(c.a, c.b), c.want) << c.a << " vs " << c.b;
    EXPECT_EQ(CompareApiVersions(c.b, c.a), -c.want) << c.b << " vs " << c.a;
  }
  EXPECT_TRUE(ApiVersionLessThan("1.23", kMinApiVersion));
  EXPECT_TRUE(ApiVersionAtLeast(kMaxApiVersion, kMinApiVersion));
}

}  // namespace
}  // namespace reclaim
