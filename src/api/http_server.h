// File: api/http_server.h
//
// HttpServer is reclaim's HTTP/1.1 transport (Boost.Beast over Asio), with no
// knowledge of Docker: it accepts connections on unix sockets and loopback TCP,
// parses requests, and hands each one to an HttpHandler on a worker thread,
// where the handler may block (reading a streamed request body, calling a
// service, writing a streamed response).
//
//   HttpServerOptions o;
//   o.listen = {"unix:///run/reclaim/reclaim.sock", "tcp://127.0.0.1:2375"};
//   RECLAIM_ASSIGN_OR_RETURN(auto server, HttpServer::Start(o, handler));
//   ...                        // SIGTERM: server->RequestShutdown() from any thread
//   server->Wait();            // returns once shut down
//
// Transport rules:
//   - persistent connections (HTTP/1.1 keep-alive; `Connection: close` and
//     HTTP/1.0 honoured), any number of concurrent connections;
//   - an idle connection (no byte of a next request) is closed after
//     `idle_timeout`; a request whose header is not complete `header_timeout`
//     after its first byte is dropped (slow clients); each body read and each
//     response write must progress within `io_timeout`;
//   - headers above `max_header_bytes` get 431 and the connection is closed;
//     unparsable requests get 400 and the connection is closed;
//   - request bodies (Content-Length or chunked) are read by the handler, as a
//     whole (ReadBody, with a limit) or streamed (body(), a ByteSource);
//     `Expect: 100-continue` is answered on the first read;
//   - responses have a Content-Length (Respond) or are chunked (StartStream);
//   - a request body the handler did not read is drained before a Respond
//     answer (up to 256 KiB, as Go's server does); a longer one is answered
//     with `Connection: close`, and the rest is drained for a bounded time
//     after the answer so the client reads it instead of a reset;
//   - `default_headers` are added to every response, including the server's
//     own 400/431/500 answers;
//   - one access-log line per request (spdlog, info level).
//
// Listening (api/listen_address.h): `unix://<absolute path>` creates the
// socket with mode 0660 (parent directories as needed); an existing socket
// file is replaced only when nothing accepts on it, else FailedPrecondition.
// `tcp://<ip or localhost>:<port>` binds a loopback address only (no TLS yet);
// port 0 picks a free port, see addresses().
//
// Inside: api/http_connection.h reads and answers the requests of one
// connection, api/worker_pool.h runs the handlers.
//
// Shutdown (RequestShutdown / Shutdown): stop accepting, close idle
// connections, let in-flight requests finish (their responses carry
// `Connection: close`), then after `grace` close whatever is left; wait for
// the handlers to return; remove the unix socket files.
//
// Thread-safety: HttpServer's methods are safe to call from any thread (not
// from a signal handler). An HttpExchange belongs to the handler call it was
// given to.
#ifndef RECLAIM_API_HTTP_SERVER_H_
#define RECLAIM_API_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/listen_address.h"
#include "imageio/byte_stream.h"

namespace reclaim {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpServerOptions {
  std::vector<std::string> listen;   // at least one
  int io_threads = 2;                // threads running the io_context
  int max_handler_threads = 256;     // concurrent requests in handlers; more queue
  // At the limit the connection idle longest is closed for a new one; with
  // none idle, a new connection is closed at once.
  int max_connections = 4096;
  size_t max_header_bytes = 64 * 1024;
  absl::Duration idle_timeout = absl::Minutes(2);
  absl::Duration header_timeout = absl::Seconds(30);
  absl::Duration io_timeout = absl::Minutes(5);
  // Unread request body drained after an early answer (bytes, time).
  size_t linger_bytes = 64 << 20;
  absl::Duration linger_timeout = absl::Seconds(5);
  HeaderList default_headers;
  bool access_log = true;
};

// The response side of a streamed (chunked) answer. Writes are buffered up to
// 64 KiB per chunk; Flush sends what is buffered as one chunk. A zero-length
// Write does nothing.
class ResponseStream : public ByteSink {
 public:
  [[nodiscard]] virtual absl::Status Flush() = 0;
};

// One request and its response, as given to HttpHandler::Serve.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  // The request line and headers.
  virtual const std::string& method() const = 0;  // "GET"
  virtual const std::string& target() const = 0;  // raw, e.g. "/v1.50/images/json?all=1"
  // The first value of header `name` (case-insensitive), if present.
  virtual std::optional<std::string> header(std::string_view name) const = 0;
  // True when the request has a body: Content-Length > 0 or chunked.
  virtual bool has_body() const = 0;
  // "127.0.0.1:52344" or "unix".
  virtual const std::string& peer() const = 0;

  // The whole body; InvalidArgument `request body too large (limit N bytes)`
  // when it exceeds `limit`. Network errors are Unavailable, stalls
  // DeadlineExceeded.
  [[nodiscard]] virtual absl::StatusOr<std::string> ReadBody(size_t limit) = 0;
  // The body as a stream (unlimited). Read returns 0 at its end; a client that
  // goes away mid-body gives Unavailable.
  virtual ByteSource& body() = 0;
  // Reads and drops the rest of the body, at most `limit` bytes; true when the
  // body was read to its end (so the connection can serve another request).
  // Respond does this itself (256 KiB, as Go's server) before answering.
  virtual bool DiscardBody(size_t limit) = 0;

  // A complete response with Content-Length (for HEAD, give the headers the
  // GET would have, including Content-Length, and an empty body). At most one
  // response per exchange.
  [[nodiscard]] virtual absl::Status Respond(int status, const HeaderList& headers,
                                             std::string body) = 0;
  // Starts a chunked response; the stream stays valid until the handler
  // returns. FinishStream sends the last chunk (also done after Serve returns).
  [[nodiscard]] virtual absl::StatusOr<ResponseStream*> StartStream(int status,
                                                                    const HeaderList& headers) = 0;
  [[nodiscard]] virtual absl::Status FinishStream() = 0;
  // Ends the exchange without completing the response: the connection is
  // closed, so a client reading a chunked stream sees it truncated.
  virtual void Abort() = 0;
  // True once Respond or StartStream was called.
  virtual bool responded() const = 0;
  // The status of the response begun (0 before one).
  virtual int response_status() const = 0;
  // True once the client closed (or reset) its end of the connection, an
  // earlier write failed, or the server began its shutdown: a stream that
  // would otherwise run until the client leaves (GET /events) should end.
  virtual bool ShouldStop() = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Called on a worker thread, once per request. When it returns without a
  // response the server answers 500.
  virtual void Serve(HttpExchange& exchange) = 0;
};

class HttpServer {
 public:
  // Binds every address (all or nothing) and starts serving. `handler` must
  // outlive the server.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler& handler);
  // Shutdown(grace 10s) when still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound addresses, in option order, TCP ports resolved.
  std::vector<ListenAddress> addresses() const;

  // Begins the shutdown described above and returns at once. Idempotent.
  void RequestShutdown(absl::Duration grace = absl::Seconds(10));
  // Blocks until the shutdown has completed (it must have been requested).
  void Wait();
  // RequestShutdown(grace) then Wait().
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  // Open connections (for tests and metrics).
  int connection_count() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reclaim

#endif  // RECLAIM_API_HTTP_SERVER_H_
