// File: api/testing/http_client.h
//
// A small HTTP/1.1 client on Boost.Beast for the API tests: one connection (a
// unix socket or TCP), several requests on it (keep-alive), Content-Length or
// chunked request bodies, raw bytes for malformed requests, and a timeout on
// every operation so that a broken server fails a test instead of hanging it.
//
//   auto c = *TestClient::Connect(server->addresses()[0]);
//   TestResponse r = *c->Request("GET", "/v1.50/images/json");
//   EXPECT_EQ(r.status, 200);
//   EXPECT_EQ(r.Header("Content-Type"), "application/json");
//
// Thread-safety: one client per thread.
#ifndef RECLAIM_API_TESTING_HTTP_CLIENT_H_
#define RECLAIM_API_TESTING_HTTP_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/http_server.h"

namespace reclaim::api_testing {

struct TestResponse {
  int status = 0;
  HeaderList headers;  // as received, in order
  std::string body;    // de-chunked
  bool chunked = false;
  bool keep_alive = false;

  // The first value of `name` (case-insensitive); nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const { return Header(name).has_value(); }
};

class TestClient {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TestClient>> Connect(
      const ListenAddress& address, absl::Duration timeout = absl::Seconds(20));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Sends one request (Content-Length body unless empty and no header given)
  // and reads its response. `Host` is added.
  [[nodiscard]] absl::StatusOr<TestResponse> Request(std::string_view method,
                                                     std::string_view target,
                                                     std::string_view body = "",
                                                     const HeaderList& headers = {});
  // Sends the request with `Transfer-Encoding: chunked`, one chunk per piece.
  [[nodiscard]] absl::StatusOr<TestResponse> RequestChunked(
      std::string_view method, std::string_view target, const std::vector<std::string>& chunks,
      const HeaderList& headers = {});

  // Pieces for tests that misbehave on purpose.
  [[nodiscard]] absl::Status SendChunkedHeader(std::string_view method, std::string_view target,
                                               const HeaderList& headers = {});
  [[nodiscard]] absl::Status SendChunk(std::string_view data);
  [[nodiscard]] absl::Status SendLastChunk();
  [[nodiscard]] absl::Status WriteRaw(std::string_view bytes);
  // Reads raw bytes up to and including `delimiter`.
  [[nodiscard]] absl::StatusOr<std::string> ReadRawUntil(std::string_view delimiter);
  // Reads raw bytes until the server closes the connection (EOF or a reset)
  // and returns them; DeadlineExceeded when it stays open past the timeout.
  [[nodiscard]] absl::StatusOr<std::string> ReadRawToEnd();
  [[nodiscard]] absl::StatusOr<TestResponse> ReadResponse(bool head = false);
  // True when the server has closed the connection: a read sees EOF or a reset
  // (any bytes still arriving first are discarded) within the timeout.
  bool ServerClosed();
  // Closes the socket at once (a client going away).
  void Close();

  class Impl;

 private:
  explicit TestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reclaim::api_testing

#endif  // RECLAIM_API_TESTING_HTTP_CLIENT_H_
