#include "registry/errors.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

struct ErrorCase {
  int http;
  std::string body;
  absl::StatusCode code;
  std::string message;
};

TEST(ErrorsTest, MapsErrorBodies) {
  const ErrorCase cases[] = {
      {404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]})",
       absl::StatusCode::kNotFound, "manifest unknown: manifest unknown"},
      {404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})",
       absl::StatusCode::kNotFound, "blob unknown: blob unknown to registry"},
      {404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})",
       absl::StatusCode::kNotFound, "name unknown: repository name not known to registry"},
      {401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]})",
       absl::StatusCode::kUnauthenticated, "unauthorized: authentication required"},
      {403, R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})",
       absl::StatusCode::kPermissionDenied, "denied: requested access to the resource is denied"},
      {429, R"({"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]})",
       absl::StatusCode::kResourceExhausted, "toomanyrequests: You have reached your pull rate limit."},
      {400, R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})",
       absl::StatusCode::kInvalidArgument, "digest invalid: provided digest did not match uploaded content"},
      {400, R"({"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"},{"code":"SIZE_INVALID","message":"x"}]})",
       absl::StatusCode::kInvalidArgument, "manifest invalid: manifest invalid; size invalid: x"},
      {405, R"({"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]})",
       absl::StatusCode::kUnimplemented, "unsupported: The operation is unsupported."},
      {503, R"({"errors":[{"code":"WEIRD_NEW_CODE","message":"m"}]})",
       absl::StatusCode::kUnavailable, "weird new code: m"},
  };
  for (const auto& c : cases) {
    absl::Status st = RegistryErrorStatus(c.http, c.body, "GET", "http://r/v2/x");
    EXPECT_EQ(st.code(), c.code) << c.body;
    EXPECT_EQ(st.message(), c.message) << c.body;
  }
}

TEST(ErrorsTest, FallsBackToHttpStatus) {
  const ErrorCase cases[] = {
      {500, "", absl::StatusCode::kUnavailable,
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 500 Internal Server Error"},
      {404, "<html>", absl::StatusCode::kNotFound,
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 404 Not Found"},
      {401, R"({"errors":[]})", absl::StatusCode::kUnauthenticated,
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 401 Unauthorized"},
      {418, R"({"errors":[{}]})", absl::StatusCode::kUnknown,
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 418"},
      {429, "", absl::StatusCode::kResourceExhausted,
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 429 Too Many Requests"},
  };
  for (const auto& c : cases) {
    absl::Status st = RegistryErrorStatus(c.http, c.body, "HEAD", "https://r/v2/a/manifests/b");
    EXPECT_EQ(st.code(), c.code) << c.http;
    EXPECT_EQ(st.message(), c.message) << c.http;
  }
}

}  // namespace
}  // namespace reclaim
