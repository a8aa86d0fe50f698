// File: registry/testing/http_test_server.h
//
// Test-only: a tiny HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for
// unit tests of the registry client that need a server behaving in one
// particular (often wrong) way: redirects to another port, a registry that
// lies about digests, a token endpoint. One thread accepts; each connection
// is served on its own thread, one request at a time (keep-alive honoured);
// requests are recorded for assertions.
//
//   HttpTestServer server([](const TestRequest& r) {
//     return TestResponse{200, {{"Content-Type", "text/plain"}}, "hello"};
//   });
//   std::string url = server.url() + "/v2/";     // "http://127.0.0.1:<port>/v2/"
//   std::vector<TestRequest> seen = server.requests();
//
// Request bodies are read by Content-Length or chunked encoding. A response's
// Content-Length is set from its body unless the handler sets one; `head`
// requests get headers only.
//
// Thread-safety: the handler runs on the connection threads, concurrently
// when clients open several connections, so it must be thread-safe;
// requests() may be called from any thread.
#ifndef RECLAIM_REGISTRY_TESTING_HTTP_TEST_SERVER_H_
#define RECLAIM_REGISTRY_TESTING_HTTP_TEST_SERVER_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace reclaim {

struct TestRequest {
  std::string method;
  std::string target;                                        // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // First value of header `name` (lower-case), or "".
  std::string Header(std::string_view name) const;
  // The path without the query.
  std::string Path() const;
  // A query parameter's (first) decoded value, or "".
  std::string Query(std::string_view name) const;
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When true the server closes the connection after sending `body`, even if
  // it is shorter than the Content-Length it announced (a broken transfer).
  bool close_after = false;
};

class HttpTestServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;
  explicit HttpTestServer(Handler handler);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + host(); }
  std::vector<TestRequest> requests() const;

 private:
  void Serve();
  void ServeConnection(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<TestRequest> requests_;
  std::thread thread_;
  std::vector<std::thread> connections_;  // used by the accepting thread only
};

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_TESTING_HTTP_TEST_SERVER_H_
