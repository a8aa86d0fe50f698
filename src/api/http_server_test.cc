// File: api/http_server_test.cc
//
// The transport on its own, with a small test handler, over a temporary unix
// socket and an ephemeral loopback TCP port.
#include "api/http_server.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/testing/http_client.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"

namespace reclaim {
namespace {

using api_testing::TestClient;
using api_testing::TestResponse;

// A one-shot gate that tests open and handlers wait on.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, d, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class TestHandler final : public HttpHandler {
 public:
  void Serve(HttpExchange& ex) override {
    std::string path = ex.target().substr(0, ex.target().find('?'));
    if (path == "/hello") {
      (void)ex.Respond(200, {{"Content-Type", "text/plain"}}, "hello");
    } else if (path == "/echo") {
      absl::StatusOr<std::string> body = ex.ReadBody(1 << 20);
      if (!body.ok()) {
        (void)ex.Respond(400, {}, std::string(body.status().message()));
        return;
      }
      (void)ex.Respond(200, {}, *body);
    } else if (path == "/stream-in") {
      // Reads in small pieces, tells the test after the first one.
      std::string got;
      std::array<char, 1000> buf;
      bool first = true;
      while (true) {
        absl::StatusOr<size_t> n = ex.body().Read(buf.data(), buf.size());
        if (!n.ok()) {
          {
            std::lock_guard<std::mutex> l(mu_);
            read_error_ = n.status();
          }
          read_failed_.Open();
          return;
        }
        if (*n == 0) break;
        got.append(buf.data(), *n);
        if (first) {
          first_piece_.Open();
          first = false;
        }
      }
      (void)ex.Respond(200, {}, "n=" + std::to_string(got.size()) + " sum=" + Sum(got));
    } else if (path == "/stream-out") {
      absl::StatusOr<ResponseStream*> s = ex.StartStream(200, {{"Content-Type", "application/x-tar"}});
      if (!s.ok()) return;
      for (int i = 0; i < 50; ++i) {
        if (!(*s)->Write(std::string(10000, static_cast<char>('a' + i % 26))).ok()) return;
      }
    } else if (path == "/abort") {
      absl::StatusOr<ResponseStream*> s = ex.StartStream(200, {});
      if (!s.ok()) return;
      (void)(*s)->Write("partial");
      (void)(*s)->Flush();
      ex.Abort();
    } else if (path == "/block") {
      entered_.Open();
      release_.WaitFor(std::chrono::seconds(30));
      (void)ex.Respond(200, {}, "released");
    } else if (path == "/noresponse") {
      // Returns without answering: the server must answer 500.
    } else {
      (void)ex.Respond(404, {}, "nope");
    }
  }

  static std::string Sum(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return std::to_string(h);
  }

  Gate first_piece_;
  Gate read_failed_;
  Gate entered_;
  Gate release_;
  std::mutex mu_;
  absl::Status read_error_;
};

HttpServerOptions Options(const std::string& sock) {
  HttpServerOptions o;
  o.listen = {"unix://" + sock, "tcp://127.0.0.1:0"};
  o.default_headers = {{"X-Test-Default", "yes"}};
  o.access_log = false;
  return o;
}

// Both transports: index 0 is the unix socket, 1 the TCP port.
class HttpServerTest : public ::testing::TestWithParam<int> {
 protected:
  void StartServer(HttpServerOptions o) {
    absl::StatusOr<std::unique_ptr<HttpServer>> s = HttpServer::Start(o, handler_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_EQ(server_->addresses().size(), 2u);
  }
  void SetUp() override { StartServer(Options(dir_.path() + "/api.sock")); }
  void TearDown() override {
    handler_.release_.Open();
    if (server_) server_->Shutdown(absl::Seconds(5));
  }
  ListenAddress Address() const { return server_->addresses()[GetParam()]; }
  std::unique_ptr<TestClient> Connect() {
    absl::StatusOr<std::unique_ptr<TestClient>> c = TestClient::Connect(Address());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  TempDir dir_;
  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Transports, HttpServerTest, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param == 0 ? "Unix" : "Tcp"; });

TEST_P(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
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

TEST_P(HttpServerTest, ConnectionCloseIsHonoured) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello", "", {{"Connection", "close"}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

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

TEST_P(HttpServerTest, ChunkedUploadIsStreamedToTheHandler) {
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

TEST_P(HttpServerTest, ClientGoingAwayMidUploadIsAnErrorForTheHandler) {
  auto c = Connect();
  ASSERT_TRUE(c->SendChunkedHeader("POST", "/stream-in").ok());
  ASSERT_TRUE(c->SendChunk(std::string(3000, 'y')).ok());
  ASSERT_TRUE(handler_.first_piece_.WaitFor(std::chrono::seconds(10)));
  c->Close();
  ASSERT_TRUE(handler_.read_failed_.WaitFor(std::chrono::seconds(10)));
  std::lock_guard<std::mutex> l(handler_.mu_);
  EXPECT_EQ(handler_.read_error_.code(), absl::StatusCode::kUnavailable) << handler_.read_error_;
}

TEST_P(HttpServerTest, ChunkedDownload) {
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

TEST_P(HttpServerTest, AbortTruncatesTheStream) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/abort");
  EXPECT_FALSE(r.ok());  // no last chunk: the client sees a broken message
}

TEST_P(HttpServerTest, HandlerWithoutResponseGets500) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("GET", "/noresponse");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
}

TEST_P(HttpServerTest, OversizedHeadersGet431AndClose) {
  auto c = Connect();
  HeaderList big;  // 70 KiB in all (one Beast field is limited to 64 KiB)
  for (int i = 0; i < 7; ++i) big.emplace_back("X-Big-" + std::to_string(i), std::string(10240, 'a'));
  absl::StatusOr<TestResponse> r = c->Request("GET", "/hello", "", big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

TEST_P(HttpServerTest, GarbageGets400AndCloseAndTheServerLivesOn) {
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

TEST_P(HttpServerTest, BadRequestLineIsAnswered400) {
  auto c = Connect();
  ASSERT_TRUE(c->WriteRaw("G@T / HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  absl::StatusOr<TestResponse> r = c->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("X-Test-Default"), "yes");
}

TEST_P(HttpServerTest, BodyOverTheLimitIsRefused) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("POST", "/echo", std::string((1 << 20) + 1, 'z'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "request body too large (limit 1048576 bytes)");
}

TEST_P(HttpServerTest, UnreadBodyClosesAfterTheAnswer) {
  auto c = Connect();
  absl::StatusOr<TestResponse> r = c->Request("POST", "/hello", std::string(2 << 20, 'q'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c->ServerClosed());
}

TEST_P(HttpServerTest, ExpectContinueIsAnswered) {
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
    absl::StatusOr<std::unique_ptr<TestClient>> c = TestClient::Connect(Address(), absl::Seconds(1));
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

TEST(HttpServerTimeoutTest, IdleAndSlowHeaderConnectionsAreClosed) {
  TempDir dir;
  TestHandler handler;
  HttpServerOptions o = Options(dir.path() + "/t.sock");
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

TEST(ParseListenAddressTest, Table) {
  struct Case {
    const char* in;
    bool ok;
    const char* normalized;  // ToString() when ok; the error otherwise
  };
  const Case cases[] = {
      {"unix:///run/reclaim/reclaim.sock", true, "unix:///run/reclaim/reclaim.sock"},
      {"tcp://127.0.0.1:2375", true, "tcp://127.0.0.1:2375"},
      {"tcp://127.1.2.3:0", true, "tcp://127.1.2.3:0"},
      {"tcp://localhost:2375", true, "tcp://127.0.0.1:2375"},
      {"tcp://[::1]:2375", true, "tcp://[::1]:2375"},
      {"tcp://0.0.0.0:2375", false,
       "refusing to listen on tcp://0.0.0.0:2375: only loopback addresses are allowed without TLS"},
      {"tcp://10.1.2.3:2375", false,
       "refusing to listen on tcp://10.1.2.3:2375: only loopback addresses are allowed without TLS"},
      {"tcp://[::]:2375", false,
       "refusing to listen on tcp://[::]:2375: only loopback addresses are allowed without TLS"},
      {"unix://relative.sock", false,
       "invalid listen address \"unix://relative.sock\": the socket path must be absolute"},
      {"tcp://127.0.0.1", false, "invalid listen address \"tcp://127.0.0.1\": a port is required"},
      {"tcp://127.0.0.1:99999", false, "invalid listen address \"tcp://127.0.0.1:99999\": bad port"},
      {"tcp://example.com:1", false,
       "invalid listen address \"tcp://example.com:1\": the host must be an IP address or "
       "localhost"},
      {"http://127.0.0.1:1", false,
       "invalid listen address \"http://127.0.0.1:1\": want unix:///path or tcp://127.0.0.1:port"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(c.in);
    ASSERT_EQ(a.ok(), c.ok) << c.in << ": " << a.status();
    if (c.ok) {
      EXPECT_EQ(a->ToString(), c.normalized);
    } else {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(a.status().message(), c.normalized);
    }
  }
}

}  // namespace
}  // namespace reclaim
