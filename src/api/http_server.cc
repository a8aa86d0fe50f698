// File: api/http_server.cc
//
// One io_context run by a few threads does all socket I/O. The server binds
// its listen addresses (api/listen_address.h), accepts connections and keeps
// a weak reference to each (api/http_connection.h, which reads and answers
// the requests), runs the handlers on a WorkerPool (api/worker_pool.h), and
// shuts down in the order http_server.h describes.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>  // before Boost 1.74's asio, whose awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "api/http_connection.h"
#include "api/worker_pool.h"

namespace reclaim {

namespace net = boost::asio;
using ErrorCode = boost::system::error_code;
using http_internal::ConnectionOwner;
using http_internal::HttpConnection;
using http_internal::Protocol;
using http_internal::Socket;
using http_internal::ToSteadyDuration;

namespace {

using Acceptor = net::basic_socket_acceptor<Protocol, http_internal::Strand>;

std::string ErrnoText(int err) { return std::string(std::strerror(err)); }

std::string PeerName(const Protocol::endpoint& ep) {
  const sockaddr* sa = ep.data();
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    return std::string(buf) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "unix";
}

uint16_t PortOf(const Protocol::endpoint& ep) {
  const sockaddr* sa = ep.data();
  if (sa->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  }
  return 0;
}

}  // namespace

class HttpServer::Impl final : public ConnectionOwner {
 public:
  Impl(const HttpServerOptions& options, HttpHandler& handler)
      : options_(options),
        handler_(handler),
        work_(net::make_work_guard(ioc_)),
        workers_(options.max_handler_threads) {}

  ~Impl() {
    RequestShutdown(absl::Seconds(10));
    Wait();
  }

  absl::Status Listen() {
    for (const std::string& text : options_.listen) {
      absl::StatusOr<ListenAddress> addr = ParseListenAddress(text);
      if (!addr.ok()) return addr.status();
      Protocol::endpoint ep;
      if (addr->kind == ListenAddress::Kind::kUnix) {
        if (absl::Status s = PrepareUnixSocketPath(addr->path); !s.ok()) return s;
        ep = Protocol::endpoint(net::local::stream_protocol::endpoint(addr->path));
      } else {
        ep = Protocol::endpoint(
            net::ip::tcp::endpoint(net::ip::make_address(addr->host), addr->port));
      }
      auto acceptor = std::make_unique<Acceptor>(net::make_strand(ioc_));
      ErrorCode ec;
      acceptor->open(ep.protocol(), ec);
      if (!ec && addr->kind == ListenAddress::Kind::kTcp) {
        acceptor->set_option(net::socket_base::reuse_address(true), ec);
      }
      if (!ec) acceptor->bind(ep, ec);
      if (ec) {
        return absl::FailedPreconditionError("cannot listen on " + addr->ToString() + ": " +
                                             ec.message());
      }
      if (addr->kind == ListenAddress::Kind::kUnix) {
        unix_paths_.push_back(addr->path);
        if (::chmod(addr->path.c_str(), 0660) != 0) {
          return absl::FailedPreconditionError("chmod " + addr->path + ": " + ErrnoText(errno));
        }
      }
      acceptor->listen(net::socket_base::max_listen_connections, ec);
      if (ec) {
        return absl::FailedPreconditionError("cannot listen on " + addr->ToString() + ": " +
                                             ec.message());
      }
      if (addr->kind == ListenAddress::Kind::kTcp) {
        addr->port = PortOf(acceptor->local_endpoint());
      }
      addresses_.push_back(*addr);
      acceptor_is_tcp_.push_back(addr->kind == ListenAddress::Kind::kTcp);
      acceptors_.push_back(std::move(acceptor));
    }
    if (acceptors_.empty()) return absl::InvalidArgumentError("no listen address given");
    return absl::OkStatus();
  }

  void Run() {
    for (size_t i = 0; i < acceptors_.size(); ++i) {
      net::post(acceptors_[i]->get_executor(), [this, i] { Accept(i); });
    }
    int n = std::max(1, options_.io_threads);
    for (int i = 0; i < n; ++i) io_threads_.emplace_back([this] { ioc_.run(); });
  }

  void RemoveUnixPaths() {
    for (const std::string& p : unix_paths_) ::unlink(p.c_str());
    unix_paths_.clear();
  }

  void RequestShutdown(absl::Duration grace) {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shutdown_started_) return;
    shutdown_started_ = true;
    stopping_.store(true);
    shutdown_thread_ = std::thread([this, grace] { DoShutdown(grace); });
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(shutdown_mu_);
    shutdown_cv_.wait(lock, [this] { return shutdown_done_; });
    if (shutdown_thread_.joinable()) shutdown_thread_.join();
  }

  const std::vector<ListenAddress>& addresses() const { return addresses_; }

  // ConnectionOwner
  bool stopping() const override { return stopping_.load(); }
  const HttpServerOptions& options() const override { return options_; }
  HttpHandler& handler() override { return handler_; }
  void Dispatch(std::function<void()> task) override { workers_.Submit(std::move(task)); }
  void Unregister(HttpConnection* c) override {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns_.erase(c);
    conn_cv_.notify_all();
  }

  void Register(const std::shared_ptr<HttpConnection>& c) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns_.emplace(c.get(), c);
  }
  int connection_count() {
    std::lock_guard<std::mutex> lock(conn_mu_);
    return static_cast<int>(conns_.size());
  }

 private:
  void Accept(size_t i);
  void DoShutdown(absl::Duration grace);
  // Calls fn on every live connection.
  void ForEachConnection(void (HttpConnection::*fn)());
  // Closes the connection idle longest, if one is idle; true when it did.
  bool CloseOldestIdle();

  const HttpServerOptions options_;
  HttpHandler& handler_;
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<bool> acceptor_is_tcp_;
  std::vector<ListenAddress> addresses_;
  std::vector<std::string> unix_paths_;
  std::vector<std::thread> io_threads_;
  WorkerPool workers_;
  std::atomic<bool> stopping_{false};

  std::mutex conn_mu_;
  std::condition_variable conn_cv_;
  std::map<HttpConnection*, std::weak_ptr<HttpConnection>> conns_;

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_started_ = false;
  bool shutdown_done_ = false;
  std::thread shutdown_thread_;
};

void HttpServer::Impl::Accept(size_t i) {
  Acceptor& acceptor = *acceptors_[i];
  acceptor.async_accept(net::make_strand(ioc_), [this, i](ErrorCode ec, Socket socket) {
    if (ec == net::error::operation_aborted || stopping()) return;
    if (ec) {
      spdlog::warn("api: accept failed: {}", ec.message());
      // Back off briefly (e.g. out of file descriptors) instead of spinning.
      auto timer = std::make_shared<net::steady_timer>(acceptors_[i]->get_executor());
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([this, i, timer](ErrorCode) {
        if (!stopping()) Accept(i);
      });
      return;
    }
    // At the limit, an idle keep-alive connection gives way to the new client
    // (the one idle longest, as a browser would drop it); with none idle the
    // new client is refused.
    if (connection_count() >= options_.max_connections && !CloseOldestIdle()) {
      ErrorCode ignored;
      socket.close(ignored);
    } else {
      if (acceptor_is_tcp_[i]) {
        ErrorCode ignored;
        socket.set_option(net::ip::tcp::no_delay(true), ignored);
      }
      ErrorCode peer_ec;
      Protocol::endpoint remote = socket.remote_endpoint(peer_ec);
      std::string peer = peer_ec ? "unknown" : PeerName(remote);
      std::shared_ptr<HttpConnection> conn =
          HttpConnection::Create(*this, std::move(socket), std::move(peer));
      Register(conn);
      conn->Start();
    }
    Accept(i);
  });
}

bool HttpServer::Impl::CloseOldestIdle() {
  std::shared_ptr<HttpConnection> oldest;
  int64_t oldest_since = 0;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    for (auto& [ptr, weak] : conns_) {
      std::shared_ptr<HttpConnection> c = weak.lock();
      if (c == nullptr) continue;
      std::optional<int64_t> since = c->idle_since_ns();
      if (since.has_value() && (oldest == nullptr || *since < oldest_since)) {
        oldest = std::move(c);
        oldest_since = *since;
      }
    }
  }
  if (oldest == nullptr) return false;
  oldest->CloseIfIdle();
  return true;
}

void HttpServer::Impl::ForEachConnection(void (HttpConnection::*fn)()) {
  std::vector<std::shared_ptr<HttpConnection>> live;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    for (auto& [ptr, weak] : conns_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) ((*c).*fn)();
}

void HttpServer::Impl::DoShutdown(absl::Duration grace) {
  for (auto& acceptor : acceptors_) {
    Acceptor* a = acceptor.get();
    net::post(a->get_executor(), [a] {
      ErrorCode ec;
      a->close(ec);
    });
  }
  ForEachConnection(&HttpConnection::CloseIfIdle);
  auto deadline = std::chrono::steady_clock::now() + ToSteadyDuration(grace);
  {
    std::unique_lock<std::mutex> lock(conn_mu_);
    conn_cv_.wait_until(lock, deadline, [this] { return conns_.empty(); });
  }
  ForEachConnection(&HttpConnection::ForceClose);
  {
    std::unique_lock<std::mutex> lock(conn_mu_);
    while (!conns_.empty()) {
      conn_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (!conns_.empty()) {
        lock.unlock();
        ForEachConnection(&HttpConnection::ForceClose);
        lock.lock();
      }
    }
  }
  work_.reset();
  ioc_.stop();
  for (std::thread& t : io_threads_) t.join();
  io_threads_.clear();
  workers_.Stop();
  acceptors_.clear();
  RemoveUnixPaths();
  std::lock_guard<std::mutex> lock(shutdown_mu_);
  shutdown_done_ = true;
  shutdown_cv_.notify_all();
}

// ---------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler& handler) {
  auto impl = std::make_unique<Impl>(options, handler);
  if (absl::Status s = impl->Listen(); !s.ok()) {
    impl->RemoveUnixPaths();
    return s;
  }
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::vector<ListenAddress> HttpServer::addresses() const { return impl_->addresses(); }
void HttpServer::RequestShutdown(absl::Duration grace) { impl_->RequestShutdown(grace); }
void HttpServer::Wait() { impl_->Wait(); }
void HttpServer::Shutdown(absl::Duration grace) {
  impl_->RequestShutdown(grace);
  impl_->Wait();
}
int HttpServer::connection_count() const { return impl_->connection_count(); }

}  // namespace reclaim
