#include "registry/token.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

struct Case {
  std::string name;
  std::string body;
  std::string token;
  absl::Time expires_at;
};

TEST(TokenTest, ParsesTokenResponses) {
  const Case cases[] = {
      {"token only, default lifetime", R"({"token":"t1"})", "t1", kNow + absl::Seconds(60)},
      {"access_token", R"({"access_token":"a1","expires_in":300})", "a1",
       kNow + absl::Seconds(300)},
      {"access_token wins", R"({"token":"t","access_token":"a"})", "a", kNow + absl::Seconds(60)},
      {"issued_at", R"({"token":"t","expires_in":10,"issued_at":"2023-11-14T22:13:20Z"})", "t",
       absl::FromUnixSeconds(1700000000 + 10)},
      {"zero lifetime means default", R"({"token":"t","expires_in":0})", "t",
       kNow + absl::Seconds(60)},
      {"negative lifetime means default", R"({"token":"t","expires_in":-5})", "t",
       kNow + absl::Seconds(60)},
      {"nulls ignored", R"({"token":"t","expires_in":null,"issued_at":null})", "t",
       kNow + absl::Seconds(60)},
      {"huge lifetime clamped", R"({"token":"t","expires_in":18446744073709551615})", "t",
       kNow + absl::Seconds(int64_t{1} << 40)},
  };
  for (const Case& c : cases) {
    absl::StatusOr<BearerToken> t = ParseTokenResponse(c.body, kNow);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status();
    EXPECT_EQ(t->token, c.token) << c.name;
    EXPECT_EQ(t->expires_at, c.expires_at) << c.name;
  }
}

TEST(TokenTest, KeepsRefreshToken) {
  absl::StatusOr<BearerToken> t = ParseTokenResponse(R"({"token":"t","refresh_token":"r"})", kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->refresh_token, "r");
}

TEST(TokenTest, RejectsBadResponses) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "failed to decode token response: "},
      {"[1]", "failed to decode token response: not a JSON object"},
      {R"({"token":1})", "failed to decode token response: token is not a string"},
      {R"({"token":"t","expires_in":"60"})",
       "failed to decode token response: expires_in is not an integer"},
      {R"({"token":"t","issued_at":"yesterday"})",
       "failed to decode token response: issued_at is not an RFC 3339 time"},
      {R"({})", "authorization server did not include a token in the response"},
      {R"({"token":"","access_token":""})",
       "authorization server did not include a token in the response"},
  };
  for (const auto& [body, want] : cases) {
    absl::StatusOr<BearerToken> t = ParseTokenResponse(body, kNow);
    ASSERT_FALSE(t.ok()) << body;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_TRUE(std::string(t.status().message()).rfind(want, 0) == 0)
        << body << " -> " << t.status();
  }
}

}  // namespace
}  // namespace reclaim
