// File: api/testing/http_server_fixture.h
//
// The HTTP transport's tests (api/http_connection_test.cc,
// api/http_server_test.cc) share one server: an HttpServer on a temporary
// unix socket and an ephemeral loopback TCP port, with a TestHandler whose
// paths exercise the transport (echo, streamed bodies in and out, abort,
// blocking until released, no response at all), and gates the tests open and
// wait on.
//
//   class HttpConnectionTest : public api_testing::HttpServerFixture {};
//   INSTANTIATE_TEST_SUITE_P(Transports, HttpConnectionTest, ::testing::Values(0, 1));
//   TEST_P(HttpConnectionTest, Hello) { auto c = Connect(); ... }
//
// Thread-safety: a Gate and TestHandler are shared with the server's threads;
// the rest belongs to the test.
#ifndef RECLAIM_API_TESTING_HTTP_SERVER_FIXTURE_H_
#define RECLAIM_API_TESTING_HTTP_SERVER_FIXTURE_H_

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "api/http_server.h"
#include "api/testing/http_client.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"

namespace reclaim::api_testing {

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
      absl::StatusOr<ResponseStream*> s =
          ex.StartStream(200, {{"Content-Type", "application/x-tar"}});
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

// Listens on the unix socket `sock` and an ephemeral loopback TCP port; every
// answer carries `X-Test-Default: yes`.
inline HttpServerOptions TestServerOptions(const std::string& sock) {
  HttpServerOptions o;
  o.listen = {"unix://" + sock, "tcp://127.0.0.1:0"};
  o.default_headers = {{"X-Test-Default", "yes"}};
  o.access_log = false;
  return o;
}

// A server with a TestHandler on both transports: the parameter is the index
// of the address to test, 0 the unix socket, 1 the TCP port.
class HttpServerFixture : public ::testing::TestWithParam<int> {
 protected:
  void StartServer(HttpServerOptions o) {
    absl::StatusOr<std::unique_ptr<HttpServer>> s = HttpServer::Start(o, handler_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_EQ(server_->addresses().size(), 2u);
  }
  void SetUp() override { StartServer(TestServerOptions(dir_.path() + "/api.sock")); }
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

// The parameter's name in test names.
inline std::string TransportName(const ::testing::TestParamInfo<int>& info) {
  return info.param == 0 ? "Unix" : "Tcp";
}

}  // namespace reclaim::api_testing

#endif  // RECLAIM_API_TESTING_HTTP_SERVER_FIXTURE_H_
