// File: api/http_server_test.cc
//
// The server as a whole (api/http_server.h), over a temporary unix socket and
// an ephemeral loopback TCP port: many connections at once, binding its
// addresses, and the graceful shutdown.
#include "api/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/testing/http_client.h"
#include "api/testing/http_server_fixture.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"

namespace reclaim {
namespace {

using api_testing::HttpServerFixture;
using api_testing::TestClient;
using api_testing::TestHandler;
using api_testing::TestResponse;

class HttpServerTest : public HttpServerFixture {};

INSTANTIATE_TEST_SUITE_P(Transports, HttpServerTest, ::testing::Values(0, 1),
                         api_testing::TransportName);

TEST_P(HttpServerTest, ManyConcurrentConnections) {
  constexpr int kClients = 16;
  constexpr int kRequests = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<std::unique_ptr<TestClient>> c = TestClient::Connect(Address());
      if (!c.ok()) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string body = "client" + std::to_string(t) + "-" + std::to_string(i);
        absl::StatusOr<TestResponse> r = (*c)->Request("POST", "/echo", body);
        if (r.ok() && r->status == 200 && r->body == body) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_P(HttpServerTest, RequestsInFlightOnSeveralConnectionsAtOnce) {
  // One request blocks in its handler; another connection is still served.
  auto blocked = Connect();
  ASSERT_TRUE(blocked->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(handler_.entered_.WaitFor(std::chrono::seconds(10)));
  auto other = Connect();
  absl::StatusOr<TestResponse> r = other->Request("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");
  handler_.release_.Open();
  absl::StatusOr<TestResponse> b = blocked->ReadResponse();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->body, "released");
}

TEST_P(HttpServerTest, AtTheConnectionLimitTheOldestIdleConnectionGivesWay) {
  server_->Shutdown(absl::Seconds(5));
  HttpServerOptions o = api_testing::TestServerOptions(dir_.path() + "/limit.sock");
  o.max_connections = 2;
  StartServer(o);
  auto oldest = Connect();
  ASSERT_TRUE(oldest->Request("GET", "/hello").ok());  // then idle (keep-alive)
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto newer = Connect();
  ASSERT_TRUE(newer->Request("GET", "/hello").ok());
  // A third client is served: the connection idle longest is closed for it.
  auto third = Connect();
  absl::StatusOr<TestResponse> r = third->Request("GET", "/hello");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
  EXPECT_TRUE(oldest->ServerClosed());
  absl::StatusOr<TestResponse> still = newer->Request("GET", "/hello");
  ASSERT_TRUE(still.ok()) << still.status();

  // With every connection busy, a new client is refused.
  auto blocked = Connect();  // takes the room of `newer` or `third`, whichever idled first
  ASSERT_TRUE(blocked->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(handler_.entered_.WaitFor(std::chrono::seconds(10)));
  (void)newer->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  (void)third->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto refused = Connect();
  if (refused != nullptr) EXPECT_TRUE(refused->ServerClosed());
  handler_.release_.Open();
}

TEST_P(HttpServerTest, GracefulShutdownFinishesTheRequestInFlight) {
  auto busy = Connect();
  auto idle = Connect();
  ASSERT_TRUE(idle->Request("GET", "/hello").ok());
  ASSERT_TRUE(busy->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(handler_.entered_.WaitFor(std::chrono::seconds(10)));

  server_->RequestShutdown(absl::Seconds(30));
  // The idle connection is closed, new ones are refused.
  EXPECT_TRUE(idle->ServerClosed());
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    absl::StatusOr<std::unique_ptr<TestClient>> c =
        TestClient::Connect(Address(), absl::Seconds(1));
    if (!c.ok()) {
      refused = true;
    } else {
      // Accepted just before the listener closed: closed without an answer.
      EXPECT_TRUE((*c)->ServerClosed());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(refused);

  handler_.release_.Open();
  absl::StatusOr<TestResponse> r = busy->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "released");
  EXPECT_FALSE(r->keep_alive);  // Connection: close while stopping
  server_->Wait();
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/api.sock"));
  server_.reset();
}

TEST_P(HttpServerTest, GraceExpiredClosesHangingConnections) {
  auto busy = Connect();
  ASSERT_TRUE(busy->WriteRaw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(handler_.entered_.WaitFor(std::chrono::seconds(10)));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    handler_.release_.Open();
  });
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(absl::Milliseconds(100));
  releaser.join();
  // Shutdown waited for the handler to return, even after the grace period.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_FALSE(busy->ReadResponse().ok());  // its connection was closed
  server_.reset();
}

TEST(HttpServerListenTest, UnixSocketModeStaleAndLive) {
  TempDir dir;
  TestHandler handler;
  std::string sock = dir.path() + "/sub/dir/api.sock";

  // A stale socket file (nothing listening) is replaced.
  std::filesystem::create_directories(dir.path() + "/sub/dir");
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);  // bound, never listened: connect is refused
  }
  HttpServerOptions o;
  o.listen = {"unix://" + sock};
  o.access_log = false;
  absl::StatusOr<std::unique_ptr<HttpServer>> first = HttpServer::Start(o, handler);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(::stat(sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660);

  // A live server is not replaced.
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(o, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another server is listening"), absl::string_view::npos)
      << second.status();
  // ... and the first one still works.
  auto c = *TestClient::Connect((*first)->addresses()[0]);
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");
  (*first)->Shutdown();
  EXPECT_FALSE(std::filesystem::exists(sock));

  // A regular file is never removed.
  std::ofstream(dir.path() + "/file") << "keep";
  o.listen = {"unix://" + dir.path() + "/file"};
  absl::StatusOr<std::unique_ptr<HttpServer>> third = HttpServer::Start(o, handler);
  ASSERT_FALSE(third.ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/file"));
}

TEST(HttpServerListenTest, TcpPortZeroResolvesAndNonLoopbackIsRefused) {
  TestHandler handler;
  HttpServerOptions o;
  o.listen = {"tcp://127.0.0.1:0"};
  o.access_log = false;
  absl::StatusOr<std::unique_ptr<HttpServer>> s = HttpServer::Start(o, handler);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_NE((*s)->addresses()[0].port, 0);
  (*s)->Shutdown();

  o.listen = {"tcp://0.0.0.0:2375"};
  absl::StatusOr<std::unique_ptr<HttpServer>> refused = HttpServer::Start(o, handler);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "refusing to listen on tcp://0.0.0.0:2375: only loopback addresses are allowed "
            "without TLS");
}

}  // namespace
}  // namespace reclaim
