// File: api/http_connection_test.cc
//
// One connection's protocol (api/http_connection.h) over a real server on a
// temporary unix socket and an ephemeral loopback TCP port: keep-alive,
// request and response bodies (whole, chunked, streamed, unread), the
// server's own 400/431/500 answers, 100-continue, aborts and timeouts.
#include "api/http_connection.h"

#include <chrono>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "api/testing/http_client.h"
#include "api/testing/http_server_fixture.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"

namespace reclaim {
namespace {

using api_testing::TestClient;
using api_testing::TestHandler;
using api_testing::TestResponse;
using api_testing::TestServerOptions;

class HttpConnectionTest : public api_testing::HttpServerFixture {};

INSTANTIATE_TEST_SUITE_P(Transports, HttpConnectionTest, ::testing::Values(0, 1),
                         api_testing::TransportName);

TEST_P(HttpConnectionTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<TestResponse> r = c->Request("GET", "/hello");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_TRUE(r->keep_alive);
    EXPECT_EQ(r->Header("Content-Length"), "5");
  }
  absl::StatusOr<TestResponse> r = c->Request("POST", "/echo", "ping-body");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ping-body");
  EXPECT_EQ(server_->connection_count(), 1);
}

TEST_P(HttpConnectionTest, ConnectionCloseIsHonoured) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello", "", {{"Connection", "close"}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

TEST_P(HttpConnectionTest, ChunkedUploadIsStreamedToTheHandler) {
  auto c = Connect();
  ASSERT_TRUE(c->SendChunkedHeader("POST", "/stream-in").ok());
  std::string all;
  std::string first(5000, 'x');
  ASSERT_TRUE(c->SendChunk(first).ok());
  all += first;
  // The handler sees the first bytes before the upload is complete.
  ASSERT_TRUE(handler_.first_piece_.WaitFor(std::chrono::seconds(10)));
  for (int i = 0; i < 100; ++i) {
    std::string piece(997 + i, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(c->SendChunk(piece).ok());
    all += piece;
  }
  ASSERT_TRUE(c->SendLastChunk().ok());
  absl::StatusOr<TestResponse> r = c->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "n=" + std::to_string(all.size()) + " sum=" + TestHandler::Sum(all));
  EXPECT_TRUE(r->keep_alive);
  // The connection is reusable after a chunked request.
  absl::StatusOr<TestResponse> again = c->Request("GET", "/hello");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, "hello");
}

TEST_P(HttpConnectionTest, ClientGoingAwayMidUploadIsAnErrorForTheHandler) {
  auto c = Connect();
  ASSERT_TRUE(c->SendChunkedHeader("POST", "/stream-in").ok());
  ASSERT_TRUE(c->SendChunk(std::string(3000, 'y')).ok());
  ASSERT_TRUE(handler_.first_piece_.WaitFor(std::chrono::seconds(10)));
  c->Close();
  ASSERT_TRUE(handler_.read_failed_.WaitFor(std::chrono::seconds(10)));
  std::lock_guard<std::mutex> l(handler_.mu_);
  EXPECT_EQ(handler_.read_error_.code(), absl::StatusCode::kUnavailable) << handler_.read_error_;
}

TEST_P(HttpConnectionTest, ChunkedDownload) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/stream-out");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->chunked);
  EXPECT_FALSE(r->HasHeader("Content-Length"));
  EXPECT_EQ(r->Header("Content-Type"), "application/x-tar");
  std::string want;
  for (int i = 0; i < 50; ++i) want += std::string(10000, static_cast<char>('a' + i % 26));
  EXPECT_EQ(r->body, want);
  absl::StatusOr<TestResponse> again = c->Request("GET", "/hello");
  ASSERT_TRUE(again.ok());
}

TEST_P(HttpConnectionTest, AbortTruncatesTheStream) {
  // The handler starts a chunked 200, sends one chunk and aborts: the client
  // gets the header and that chunk, then the server closes the connection
  // without the last chunk, so the client cannot take the stream as complete.
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->WriteRaw("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  absl::StatusOr<std::string> head = c->ReadRawUntil("\r\n\r\n");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << *head;
  EXPECT_NE(head->find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << *head;
  absl::StatusOr<std::string> rest = c->ReadRawToEnd();
  ASSERT_TRUE(rest.ok()) << rest.status();  // closed by the server, not a timeout
  EXPECT_EQ(*rest, "7\r\npartial\r\n");     // the chunk, and no "0\r\n\r\n" after it
  // The server serves on.
  auto next = Connect();
  ASSERT_NE(next, nullptr);
  absl::StatusOr<TestResponse> r = next->Request("GET", "/hello");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
}

TEST_P(HttpConnectionTest, HandlerWithoutResponseGets500) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/noresponse");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
}

TEST_P(HttpConnectionTest, OversizedHeadersGet431AndClose) {
  auto c = Connect();
  HeaderList big;  // 70 KiB in all (one Beast field is limited to 64 KiB)
  for (int i = 0; i < 7; ++i)
    big.emplace_back("X-Big-" + std::to_string(i), std::string(10240, 'a'));
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello", "", big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

TEST_P(HttpConnectionTest, GarbageGets400AndCloseAndTheServerLivesOn) {
  const std::vector<std::string> garbage = {
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16),  // a TLS hello
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET /hello HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  for (const std::string& g : garbage) {
    auto c = Connect();
    ASSERT_TRUE(c->WriteRaw(g).ok());
    EXPECT_TRUE(c->ServerClosed()) << g;
  }
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST_P(HttpConnectionTest, TransferEncodingsOtherThanChunkedGet501AsGo) {
  for (const char* te : {"gzip", "gzip, chunked", "identity"}) {
    auto c = Connect();
    ASSERT_TRUE(c->WriteRaw(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
                            "\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                    .ok());
    absl::StatusOr<TestResponse> r = c->ReadResponse();
    ASSERT_TRUE(r.ok()) << te << ": " << r.status();
    EXPECT_EQ(r->status, 501) << te;
    EXPECT_EQ(r->body, "Unsupported transfer encoding") << te;
    EXPECT_TRUE(c->ServerClosed()) << te;
  }
  auto c = Connect();  // chunked itself, in any case, is fine
  ASSERT_TRUE(c->WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                          "5\r\nhello\r\n0\r\n\r\n")
                  .ok());
  absl::StatusOr<TestResponse> r = c->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST_P(HttpConnectionTest, BadRequestLineIsAnswered400) {
  auto c = Connect();
  ASSERT_TRUE(c->WriteRaw("G@T / HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  absl::StatusOr<TestResponse> r = c->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
}

TEST_P(HttpConnectionTest, BodyOverTheLimitIsRefused) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("POST", "/echo", std::string((1 << 20) + 1, 'z'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "request body too large (limit 1048576 bytes)");
}

TEST_P(HttpConnectionTest, UnreadBodyClosesAfterTheAnswer) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("POST", "/hello", std::string(2 << 20, 'q'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

TEST_P(HttpConnectionTest, ExpectContinueIsAnswered) {
  auto c = Connect();
  ASSERT_TRUE(c->WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          "Expect: 100-continue\r\n\r\n")
                  .ok());
  absl::StatusOr<std::string> interim = c->ReadRawUntil("\r\n\r\n");
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c->WriteRaw("hello").ok());
  absl::StatusOr<TestResponse> r = c->ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");
}

TEST(HttpConnectionTimeoutTest, IdleAndSlowHeaderConnectionsAreClosed) {
  TempDir dir;
  TestHandler handler;
  HttpServerOptions o = TestServerOptions(dir.path() + "/t.sock");
  o.idle_timeout = absl::Milliseconds(200);
  o.header_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(o, handler);
  ASSERT_TRUE(server.ok()) << server.status();
  ListenAddress a = (*server)->addresses()[0];

  auto idle = *TestClient::Connect(a);
  ASSERT_TRUE(idle->Request("GET", "/hello").ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle->ServerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));

  auto slow = *TestClient::Connect(a);
  ASSERT_TRUE(slow->WriteRaw("GET /hello HTTP/1.1\r\nHo").ok());
  EXPECT_TRUE(slow->ServerClosed());

  auto quiet = *TestClient::Connect(a);  // never sends a byte
  EXPECT_TRUE(quiet->ServerClosed());
  (*server)->Shutdown();
}

}  // namespace
}  // namespace reclaim
