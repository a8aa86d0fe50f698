#include "core/status.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

struct HttpCase {
  absl::StatusCode code;
  int http;
};

TEST(StatusTest, HttpStatusForEveryCode) {
  const HttpCase cases[] = {
      {absl::StatusCode::kOk, 200},
      {absl::StatusCode::kCancelled, 500},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kDeadlineExceeded, 500},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kResourceExhausted, 500},
      {absl::StatusCode::kFailedPrecondition, 409},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDataLoss, 500},
      {absl::StatusCode::kUnauthenticated, 401},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HttpStatusFor(c.code), c.http) << absl::StatusCodeToString(c.code);
  }
}

absl::Status Fails() { return absl::NotFoundError("gone"); }
absl::Status Succeeds() { return absl::OkStatus(); }

absl::Status UsesReturnIfError(bool fail, int* reached) {
  RECLAIM_RETURN_IF_ERROR(Succeeds());
  ++*reached;
  if (fail) RECLAIM_RETURN_IF_ERROR(Fails());
  ++*reached;
  return absl::OkStatus();
}

TEST(StatusTest, ReturnIfErrorPropagatesAndContinues) {
  int reached = 0;
  EXPECT_TRUE(UsesReturnIfError(false, &reached).ok());
  EXPECT_EQ(reached, 2);
  reached = 0;
  absl::Status s = UsesReturnIfError(true, &reached);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "gone");
  EXPECT_EQ(reached, 1);
}

absl::StatusOr<std::string> MaybeName(bool ok) {
  if (!ok) return absl::InvalidArgumentError("bad name");
  return std::string("alpine");
}

absl::StatusOr<size_t> NameLength(bool ok) {
  RECLAIM_ASSIGN_OR_RETURN(std::string name, MaybeName(ok));
  RECLAIM_ASSIGN_OR_RETURN(auto again, MaybeName(ok));  // two on one function
  return name.size() + again.size();
}

TEST(StatusTest, AssignOrReturn) {
  auto good = NameLength(true);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 12u);
  auto bad = NameLength(false);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "bad name");
}

TEST(StatusTest, AnnotateKeepsCodeAndPrefixes) {
  absl::Status s = Annotate(absl::NotFoundError("blob sha256:ab"), "load");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "load: blob sha256:ab");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace reclaim

namespace reclaim {
namespace {

TEST(EchoInputTest, ShortInputWholeLongInputBounded) {
  EXPECT_EQ(EchoInput("alpine:3"), "alpine:3");
  EXPECT_EQ(EchoInput(std::string(256, 'a')), std::string(256, 'a'));
  EXPECT_EQ(EchoInput(std::string(1 << 20, 'a')), std::string(256, 'a') + "... (1048576 bytes)");
  // Never cut inside a UTF-8 sequence: 255 ASCII bytes then "é" (2 bytes).
  const std::string s = std::string(255, 'a') + "\xc3\xa9" + std::string(100, 'b');
  EXPECT_EQ(EchoInput(s), std::string(255, 'a') + "... (357 bytes)");
}

}  // namespace
}  // namespace reclaim
