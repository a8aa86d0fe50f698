#include "registry/transport.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "registry/str.h"
#include "registry/testing/http_test_server.h"

namespace reclaim {
namespace {

std::unique_ptr<HttpTransport> Curl() {
  absl::StatusOr<std::unique_ptr<HttpTransport>> t = NewCurlTransport();
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

TEST(TransportTest, AuthorizationIsNotSentToARedirectTargetOnAnotherPort) {
  HttpTestServer cdn([](const TestRequest&) { return TestResponse{200, {}, "blob bytes"}; });
  HttpTestServer registry([&](const TestRequest& r) {
    if (r.Path() == "/v2/a/blobs/x") {
      return TestResponse{307, {{"Location", cdn.url() + "/storage/x?sig=1"}}, ""};
    }
    if (r.Path() == "/v2/self") return TestResponse{302, {{"Location", "/v2/final"}}, "ignored"};
    return TestResponse{200, {}, "final"};
  });
  std::unique_ptr<HttpTransport> t = Curl();

  HttpRequest req;
  req.url = registry.url() + "/v2/a/blobs/x";
  req.headers = {{"Authorization", "Bearer secret"}};
  absl::StatusOr<HttpResponse> r = t->Do(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "blob bytes");
  EXPECT_EQ(r->url, cdn.url() + "/storage/x?sig=1");
  ASSERT_EQ(registry.requests().size(), 1u);
  EXPECT_EQ(registry.requests()[0].Header("authorization"), "Bearer secret");
  ASSERT_EQ(cdn.requests().size(), 1u);
  EXPECT_EQ(cdn.requests()[0].Header("authorization"), "") << "token leaked to another host";

  // A redirect on the same host keeps it, and the redirect's own body is not the answer.
  req.url = registry.url() + "/v2/self";
  r = t->Do(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "final");
  EXPECT_EQ(registry.requests().back().Path(), "/v2/final");
  EXPECT_EQ(registry.requests().back().Header("authorization"), "Bearer secret");
}

TEST(TransportTest, StopsAfterTenRedirects) {
  HttpTestServer loop([](const TestRequest& r) {
    const int n = std::stoi(r.Path().substr(1));
    return TestResponse{302, {{"Location", "/" + std::to_string(n + 1)}}, ""};
  });
  std::unique_ptr<HttpTransport> t = Curl();
  HttpRequest req;
  req.url = loop.url() + "/0";
  absl::StatusOr<HttpResponse> r = t->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "Get \"" + loop.url() + "/0\": stopped after 10 redirects");
  EXPECT_EQ(loop.requests().size(), 11u);
}

TEST(TransportTest, StreamsBuffersAndLimitsBodies) {
  const std::string big(100000, 'z');
  HttpTestServer server([&](const TestRequest& r) {
    if (r.Path() == "/big") return TestResponse{206, {{"Content-Range", "bytes 5-"}}, big};
    if (r.Path() == "/missing") {
      return TestResponse{404, {{"Content-Type", "application/json"}}, R"({"errors":[]})"};
    }
    return TestResponse{
        200, {{"Docker-Content-Digest", "sha256:x"}, {"X-Multi", "1"}, {"X-Multi", "2"}}, "small"};
  });
  std::unique_ptr<HttpTransport> t = Curl();

  HttpRequest stream;
  stream.url = server.url() + "/big";
  std::string got;
  int header_calls = 0;
  stream.on_headers = [&](int status, const auto& headers) {
    ++header_calls;
    EXPECT_EQ(status, 206);
    bool found = false;
    for (const auto& [k, v] : headers) found |= (k == "content-range" && v == "bytes 5-");
    EXPECT_TRUE(found);
    return absl::OkStatus();
  };
  stream.on_body = [&](std::string_view d) {
    got.append(d);
    return absl::OkStatus();
  };
  absl::StatusOr<HttpResponse> r = t->Do(stream);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(got, big);
  EXPECT_EQ(header_calls, 1);
  EXPECT_TRUE(r->body.empty());

  // A callback error aborts and is returned as is.
  stream.on_body = [](std::string_view) { return absl::DataLossError("sink full"); };
  r = t->Do(stream);
  EXPECT_EQ(r.status(), absl::DataLossError("sink full"));

  HttpRequest limited;
  limited.url = server.url() + "/big";
  limited.max_body = 1000;
  r = t->Do(limited);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "response body exceeds 1000 bytes");

  HttpRequest missing;
  missing.url = server.url() + "/missing";
  missing.on_body = [](std::string_view) { return absl::InternalError("not for errors"); };
  r = t->Do(missing);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, R"({"errors":[]})");

  HttpRequest head;
  head.method = "HEAD";
  head.url = server.url() + "/small";
  r = t->Do(head);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Docker-Content-Digest"), "sha256:x");
  EXPECT_EQ(r->Header("content-length"), "5");
  EXPECT_EQ(r->Headers("x-multi"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(server.requests().back().method, "HEAD");
}

TEST(TransportTest, SendsBodies) {
  HttpTestServer server([](const TestRequest& r) {
    return TestResponse{201, {{"X-Echo", r.method + " " + r.Header("content-type")}}, ""};
  });
  std::unique_ptr<HttpTransport> t = Curl();

  HttpRequest patch;
  patch.method = "PATCH";
  patch.url = server.url() + "/u";
  patch.headers = {{"Content-Type", "application/octet-stream"}, {"Content-Range", "0-3"}};
  patch.body = "abcd";
  absl::StatusOr<HttpResponse> r = t->Do(patch);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Header("x-echo"), "PATCH application/octet-stream");
  EXPECT_EQ(server.requests().back().body, "abcd");
  EXPECT_EQ(server.requests().back().Header("content-range"), "0-3");

  const std::string payload(3 << 20, 'q');  // large enough for curl to want 100-continue
  size_t pos = 0;
  HttpRequest put;
  put.method = "PUT";
  put.url = server.url() + "/u?digest=x";
  put.body_size = static_cast<int64_t>(payload.size());
  put.body_source = [&](char* buf, size_t n) -> absl::StatusOr<size_t> {
    const size_t k = std::min(n, payload.size() - pos);
    std::memcpy(buf, payload.data() + pos, k);
    pos += k;
    return k;
  };
  r = t->Do(put);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(server.requests().back().method, "PUT");
  EXPECT_EQ(server.requests().back().Header("content-type"), "") << "no form default";
  EXPECT_EQ(server.requests().back().Header("expect"), "");
  EXPECT_EQ(server.requests().back().body.size(), payload.size());

  HttpRequest post;
  post.method = "POST";
  post.url = server.url() + "/p";
  r = t->Do(post);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(server.requests().back().method, "POST");
  EXPECT_EQ(server.requests().back().Header("content-length"), "0");
}

TEST(TransportTest, ConnectionFailureIsUnavailable) {
  int port;
  {
    HttpTestServer gone([](const TestRequest&) { return TestResponse{}; });
    port = gone.port();
  }
  std::unique_ptr<HttpTransport> t = Curl();
  HttpRequest req;
  req.method = "HEAD";
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
  absl::StatusOr<HttpResponse> r = t->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(str::StartsWith(std::string(r.status().message()), "Head \"" + req.url + "\": "))
      << r.status();
  EXPECT_FALSE(IsTlsHandshakeFailure(r.status()));

  // HTTPS to a plain HTTP server is a TLS handshake failure.
  HttpTestServer plain([](const TestRequest&) { return TestResponse{}; });
  req.url = "https://127.0.0.1:" + std::to_string(plain.port()) + "/v2/";
  req.tls.verify = false;
  r = t->Do(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTlsHandshakeFailure(r.status())) << r.status();
}

TEST(TransportTest, GoMethodNames) {
  EXPECT_EQ(GoMethodName("GET"), "Get");
  EXPECT_EQ(GoMethodName("head"), "Head");
  EXPECT_EQ(GoMethodName("PATCH"), "Patch");
}

}  // namespace
}  // namespace reclaim
