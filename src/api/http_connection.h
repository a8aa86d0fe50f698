// File: api/http_connection.h
//
// HttpConnection is one accepted connection of the HttpServer, and the
// HttpExchange its handler is given: it reads requests one after another
// (keep-alive), hands each to the owner's handler on a worker thread, and
// writes the response, applying the transport rules of api/http_server.h
// (timeouts, header limits, 400/431/500 answers, draining unread bodies,
// `Expect: 100-continue`, chunked streams, `Connection: close` while the
// server stops).
//
// Every connection has its own strand; its socket and timer live on it.
// Between requests the connection is an async chain on the strand: wait for a
// first byte (idle timeout), read the header (header timeout), dispatch. The
// handler then runs on a worker thread and does blocking I/O through RunIo,
// which posts one async operation to the strand and waits for its completion;
// while the handler runs, nothing else touches the socket. When the handler
// returns, the connection goes back to the async chain or is closed.
//
//   std::shared_ptr<HttpConnection> conn = HttpConnection::Create(*this, std::move(socket), peer);
//   connections_.emplace(conn.get(), conn);   // the server keeps a weak_ptr
//   conn->Start();                            // Unregister(conn.get()) when it ends
//
// Internal to api/: the server (api/http_server.cc) is its only user.
//
// Thread-safety: Start, CloseIfIdle and ForceClose may be called from any
// thread; the HttpExchange side belongs to the handler call.
#ifndef RECLAIM_API_HTTP_CONNECTION_H_
#define RECLAIM_API_HTTP_CONNECTION_H_

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Boost 1.74's asio, whose awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "absl/time/time.h"
#include "api/http_server.h"

namespace reclaim::http_internal {

using Protocol = boost::asio::generic::stream_protocol;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using Socket = boost::asio::basic_stream_socket<Protocol, Strand>;

// `d` for Asio timers: negative is zero, infinite (or above a year) a year.
std::chrono::steady_clock::duration ToSteadyDuration(absl::Duration d);

class HttpConnection;

// What a connection needs from the server that accepted it.
class ConnectionOwner {
 public:
  virtual const HttpServerOptions& options() const = 0;
  virtual HttpHandler& handler() = 0;
  // True once the shutdown began: no further request is read, and responses
  // carry `Connection: close`.
  virtual bool stopping() const = 0;
  // Runs `task` (a handler call) on a worker thread.
  virtual void Dispatch(std::function<void()> task) = 0;
  // Called from the connection's destructor.
  virtual void Unregister(HttpConnection* connection) = 0;

 protected:
  ~ConnectionOwner() = default;
};

class HttpConnection {
 public:
  // `owner` must outlive the connection; `peer` is what the access log shows
  // ("127.0.0.1:52344", "unix").
  static std::shared_ptr<HttpConnection> Create(ConnectionOwner& owner, Socket socket,
                                                std::string peer);
  virtual ~HttpConnection() = default;

  // Starts reading the first request.
  virtual void Start() = 0;
  // Closes the connection if it waits for a next request (shutdown begins).
  virtual void CloseIfIdle() = 0;
  // Closes it whatever its state (the grace period is over).
  virtual void ForceClose() = 0;
  // Since when (steady clock, ns) it waits for a next request; nullopt while
  // a request is read or handled. Safe from any thread.
  virtual std::optional<int64_t> idle_since_ns() const = 0;
};

}  // namespace reclaim::http_internal

#endif  // RECLAIM_API_HTTP_CONNECTION_H_
