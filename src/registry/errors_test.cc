#include "registry/errors.h"

#include <string>
#include <string_view>

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
      {404,
       R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]})",
       absl::StatusCode::kNotFound, "manifest unknown: manifest unknown"},
      {404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})",
       absl::StatusCode::kNotFound, "blob unknown: blob unknown to registry"},
      {404,
       R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})",
       absl::StatusCode::kNotFound, "name unknown: repository name not known to registry"},
      {401,
       R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]})",
       absl::StatusCode::kUnauthenticated, "unauthorized: authentication required"},
      {403,
       R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})",
       absl::StatusCode::kPermissionDenied, "denied: requested access to the resource is denied"},
      {429,
       R"({"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]})",
       absl::StatusCode::kResourceExhausted,
       "toomanyrequests: You have reached your pull rate limit."},
      {400,
       R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})",
       absl::StatusCode::kInvalidArgument,
       "digest invalid: provided digest did not match uploaded content"},
      {400,
       R"({"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"},{"code":"SIZE_INVALID","message":"x"}]})",
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
       "unexpected status from HEAD request to https://r/v2/a/manifests/b: 500 Internal Server "
       "Error"},
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

TEST(ErrorsTest, HttpStatusCodesAndReasons) {
  const struct {
    int http;
    absl::StatusCode code;
    std::string_view reason;
  } cases[] = {
      {200, absl::StatusCode::kUnknown, "OK"},
      {307, absl::StatusCode::kUnknown, "Temporary Redirect"},
      {400, absl::StatusCode::kInvalidArgument, "Bad Request"},
      {401, absl::StatusCode::kUnauthenticated, "Unauthorized"},
      {403, absl::StatusCode::kPermissionDenied, "Forbidden"},
      {404, absl::StatusCode::kNotFound, "Not Found"},
      {405, absl::StatusCode::kUnimplemented, "Method Not Allowed"},
      {408, absl::StatusCode::kUnavailable, "Request Timeout"},
      {409, absl::StatusCode::kAborted, "Conflict"},
      {413, absl::StatusCode::kUnknown, "Request Entity Too Large"},
      {416, absl::StatusCode::kOutOfRange, "Requested Range Not Satisfiable"},
      {429, absl::StatusCode::kResourceExhausted, "Too Many Requests"},
      {501, absl::StatusCode::kUnimplemented, "Not Implemented"},
      {502, absl::StatusCode::kUnavailable, "Bad Gateway"},
      {599, absl::StatusCode::kUnavailable, ""},
      {418, absl::StatusCode::kUnknown, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CodeForHttpStatus(c.http), c.code) << c.http;
    EXPECT_EQ(HttpReasonPhrase(c.http), c.reason) << c.http;
  }
}

}  // namespace
}  // namespace reclaim
