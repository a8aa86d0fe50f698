// File: api/http_server.cc
//
// One io_context run by a few threads does all socket I/O; every connection
// has its own strand (its socket and timer live on it). Between requests a
// connection is an async chain: wait for a first byte (idle timeout), read the
// header (header timeout), dispatch. The handler then runs on a worker thread
// and does blocking I/O through RunIo, which posts one async operation to the
// connection's strand and waits for its completion; while the handler runs,
// nothing else touches the connection's socket. When the handler returns, the
// connection goes back to the async chain (keep-alive) or is closed.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace reclaim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using Protocol = net::generic::stream_protocol;
using Strand = net::strand<net::io_context::executor_type>;
using Socket = net::basic_stream_socket<Protocol, Strand>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Strand>;
using Acceptor = net::basic_socket_acceptor<Protocol, Strand>;
using IoResult = std::pair<beast::error_code, size_t>;

constexpr size_t kStreamChunk = 64 * 1024;
constexpr size_t kReadSize = 16 * 1024;
// Go's maxPostHandlerReadBytes.
constexpr size_t kDiscardBeforeRespond = 256 * 1024;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  if (d == absl::InfiniteDuration() || d > absl::Hours(24 * 365)) {
    return std::chrono::hours(24 * 365);
  }
  if (d < absl::ZeroDuration()) return std::chrono::steady_clock::duration::zero();
  return absl::ToChronoNanoseconds(d);
}

std::string ErrnoText(int err) { return std::string(std::strerror(err)); }

bool IsBeastHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// A pool whose threads are created on demand (up to a limit) and kept; each
// task gets a thread of its own unless `max` tasks already run.
class WorkerPool {
 public:
  explicit WorkerPool(int max_threads) : max_(std::max(1, max_threads)) {}
  ~WorkerPool() { Stop(); }

  void Submit(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    if (queue_.size() > static_cast<size_t>(idle_) &&
        threads_.size() < static_cast<size_t>(max_)) {
      threads_.emplace_back([this] { Loop(); });
    } else {
      cv_.notify_one();
    }
  }

  // Runs what is queued, then joins every thread.
  void Stop() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ++idle_;
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // stopping
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      task = nullptr;
      lock.lock();
    }
  }

  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int idle_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Refuses a live socket, removes a stale one, creates the parent directory.
absl::Status PrepareUnixPath(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return absl::FailedPreconditionError("cannot listen on unix://" + path +
                                           ": the file exists and is not a socket");
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError("socket: " + ErrnoText(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    int err = errno;
    ::close(fd);
    if (rc == 0) {
      return absl::FailedPreconditionError("cannot listen on unix://" + path +
                                           ": another server is listening on it");
    }
    if (err != ECONNREFUSED && err != ENOENT) {
      return absl::FailedPreconditionError("cannot listen on unix://" + path +
                                           ": probing the existing socket: " + ErrnoText(err));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return absl::FailedPreconditionError("cannot remove stale socket " + path + ": " +
                                           ErrnoText(errno));
    }
  } else if (errno != ENOENT) {
    return absl::FailedPreconditionError("cannot listen on unix://" + path + ": " +
                                         ErrnoText(errno));
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return absl::FailedPreconditionError("cannot create " + parent.string() + ": " + ec.message());
  }
  return absl::OkStatus();
}

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

// ---------------------------------------------------------------------------
// Listen addresses

std::string ListenAddress::ToString() const {
  if (kind == Kind::kUnix) return "unix://" + path;
  if (host.find(':') != std::string::npos) return "tcp://[" + host + "]:" + std::to_string(port);
  return "tcp://" + host + ":" + std::to_string(port);
}

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view address) {
  std::string text(address);
  ListenAddress out;
  if (address.substr(0, 7) == "unix://") {
    out.kind = ListenAddress::Kind::kUnix;
    out.path = std::string(address.substr(7));
    if (out.path.empty() || out.path[0] != '/') {
      return absl::InvalidArgumentError("invalid listen address \"" + text +
                                        "\": the socket path must be absolute");
    }
    if (out.path.size() >= sizeof(sockaddr_un::sun_path)) {
      return absl::InvalidArgumentError("invalid listen address \"" + text +
                                        "\": the socket path is too long");
    }
    return out;
  }
  if (address.substr(0, 6) != "tcp://") {
    return absl::InvalidArgumentError("invalid listen address \"" + text +
                                      "\": want unix:///path or tcp://127.0.0.1:port");
  }
  std::string_view rest = address.substr(6);
  std::string host;
  std::string_view port_text;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return absl::InvalidArgumentError("invalid listen address \"" + text + "\"");
    }
    host = std::string(rest.substr(1, close - 1));
    port_text = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("invalid listen address \"" + text +
                                        "\": a port is required");
    }
    host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError("invalid listen address \"" + text + "\": bad port");
  }
  int port = std::stoi(std::string(port_text));
  if (port > 65535) {
    return absl::InvalidArgumentError("invalid listen address \"" + text + "\": bad port");
  }
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError("invalid listen address \"" + text +
                                      "\": the host must be an IP address or localhost");
  }
  if (!ip.is_loopback()) {
    return absl::InvalidArgumentError("refusing to listen on " + text +
                                      ": only loopback addresses are allowed without TLS");
  }
  out.kind = ListenAddress::Kind::kTcp;
  out.host = ip.to_string();
  out.port = static_cast<uint16_t>(port);
  return out;
}

// ---------------------------------------------------------------------------
// Server internals

class Connection;

class HttpServer::Impl {
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
        if (absl::Status s = PrepareUnixPath(addr->path); !s.ok()) return s;
        ep = Protocol::endpoint(net::local::stream_protocol::endpoint(addr->path));
      } else {
        ep = Protocol::endpoint(
            net::ip::tcp::endpoint(net::ip::make_address(addr->host), addr->port));
      }
      auto acceptor = std::make_unique<Acceptor>(net::make_strand(ioc_));
      beast::error_code ec;
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

  bool stopping() const { return stopping_.load(); }
  const HttpServerOptions& options() const { return options_; }
  HttpHandler& handler() { return handler_; }
  const std::vector<ListenAddress>& addresses() const { return addresses_; }

  void Dispatch(std::function<void()> task) { workers_.Submit(std::move(task)); }

  void Register(Connection* c, std::weak_ptr<Connection> w) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns_.emplace(c, std::move(w));
  }
  void Unregister(Connection* c) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns_.erase(c);
    conn_cv_.notify_all();
  }
  int connection_count() {
    std::lock_guard<std::mutex> lock(conn_mu_);
    return static_cast<int>(conns_.size());
  }

 private:
  void Accept(size_t i);
  void DoShutdown(absl::Duration grace);
  // Calls fn on every live connection (on its strand).
  void ForEachConnection(void (Connection::*fn)());

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
  std::map<Connection*, std::weak_ptr<Connection>> conns_;

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_started_ = false;
  bool shutdown_done_ = false;
  std::thread shutdown_thread_;
};

// ---------------------------------------------------------------------------
// One connection

class Connection final : public std::enable_shared_from_this<Connection>, public HttpExchange {
 public:
  Connection(HttpServer::Impl& server, Socket socket, std::string peer)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(server.options().max_header_bytes + 2 * kStreamChunk),
        peer_(std::move(peer)),
        body_source_(*this),
        stream_(*this) {}

  ~Connection() override { server_.Unregister(this); }

  void Start() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->ReadNext(); });
  }

  // Runs `fn` on this connection's strand.
  void PostToStrand(void (Connection::*fn)()) {
    net::post(socket_.get_executor(), [self = shared_from_this(), fn] { ((*self).*fn)(); });
  }

  // On the strand: closes the connection when it waits for a next request.
  void OnShutdown() {
    if (state_ == State::kIdle) Close();
  }
  // On the strand: closes whatever the state (grace period over).
  void ForceClose() {
    force_closed_ = true;
    Close();
  }

  // HttpExchange
  const std::string& method() const override { return method_; }
  const std::string& target() const override { return target_; }
  std::optional<std::string> header(std::string_view name) const override {
    auto it = head_.find(beast::string_view(name.data(), name.size()));
    if (it == head_.end()) return std::nullopt;
    return std::string(it->value());
  }
  bool has_body() const override { return has_body_; }
  const std::string& peer() const override { return peer_; }

  absl::StatusOr<std::string> ReadBody(size_t limit) override {
    std::string out;
    std::array<char, kStreamChunk> buf;
    while (true) {
      absl::StatusOr<size_t> n = ReadSome(buf.data(), buf.size());
      if (!n.ok()) return n.status();
      if (*n == 0) return out;
      if (out.size() + *n > limit) {
        return absl::InvalidArgumentError("request body too large (limit " +
                                          std::to_string(limit) + " bytes)");
      }
      out.append(buf.data(), *n);
    }
  }
  ByteSource& body() override { return body_source_; }

  bool DiscardBody(size_t limit) override {
    if (parser_->is_done()) return true;
    if (io_failed_ || (expect_continue_ && !continue_sent_)) return false;
    std::array<char, 16 * 1024> buf;
    size_t left = limit;
    while (!parser_->is_done()) {
      absl::StatusOr<size_t> n = ReadSome(buf.data(), std::min(buf.size(), left + 1));
      if (!n.ok()) return false;
      if (*n > left) return false;
      left -= *n;
    }
    return true;
  }

  absl::Status Respond(int status, const HeaderList& headers, std::string body) override {
    if (responded_) return absl::FailedPreconditionError("response already sent");
    DiscardBody(kDiscardBeforeRespond);
    responded_ = true;
    status_ = status;
    http::response<http::string_body> res;
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    AddHeaders(res, headers);
    bool no_body_status = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (method_ == "HEAD") {
      // No body; the length the GET would have, unless the handler said it.
      if (!no_body_status && res.find(http::field::content_length) == res.end()) {
        res.content_length(body.size());
      }
    } else if (!no_body_status) {
      bytes_out_ = body.size();
      res.body() = std::move(body);
      res.prepare_payload();
    }
    close_after_ = WantClose();
    res.keep_alive(!close_after_);
    IoResult r = RunIo(server_.options().io_timeout,
                       [&](auto done) { http::async_write(socket_, res, std::move(done)); });
    return IoStatus(r.first, "writing the response");
  }

  absl::StatusOr<ResponseStream*> StartStream(int status, const HeaderList& headers) override {
    if (responded_) return absl::FailedPreconditionError("response already sent");
    responded_ = true;
    streaming_ = true;
    status_ = status;
    http::response<http::empty_body> res;
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    AddHeaders(res, headers);
    res.chunked(true);
    close_after_ = WantClose();
    res.keep_alive(!close_after_);
    http::response_serializer<http::empty_body> sr(res);
    IoResult r = RunIo(server_.options().io_timeout,
                       [&](auto done) { http::async_write_header(socket_, sr, std::move(done)); });
    if (absl::Status s = IoStatus(r.first, "writing the response header"); !s.ok()) return s;
    return &stream_;
  }

  absl::Status FinishStream() override {
    if (!streaming_) return absl::FailedPreconditionError("no stream was started");
    if (stream_finished_) return absl::OkStatus();
    if (absl::Status s = stream_.Flush(); !s.ok()) return s;
    stream_finished_ = true;
    IoResult r = RunIo(server_.options().io_timeout, [&](auto done) {
      net::async_write(socket_, http::make_chunk_last(), std::move(done));
    });
    return IoStatus(r.first, "writing the last chunk");
  }

  void Abort() override { aborted_ = true; }
  bool responded() const override { return responded_; }

 private:
  enum class State { kIdle, kHeader, kHandling, kClosed };

  class BodySource final : public ByteSource {
   public:
    explicit BodySource(Connection& c) : c_(c) {}
    absl::StatusOr<size_t> Read(char* buf, size_t n) override { return c_.ReadSome(buf, n); }

   private:
    Connection& c_;
  };

  class Stream final : public ResponseStream {
   public:
    explicit Stream(Connection& c) : c_(c) {}
    absl::Status Write(std::string_view bytes) override {
      if (bytes.empty()) return absl::OkStatus();
      if (!c_.streaming_ || c_.stream_finished_) {
        return absl::FailedPreconditionError("the response stream is not open");
      }
      if (pending_.empty() && bytes.size() >= kStreamChunk) return c_.SendChunk(bytes);
      pending_.append(bytes.data(), bytes.size());
      if (pending_.size() >= kStreamChunk) return Flush();
      return absl::OkStatus();
    }
    absl::Status Flush() override {
      if (pending_.empty()) return absl::OkStatus();
      std::string data;
      data.swap(pending_);
      return c_.SendChunk(data);
    }

   private:
    Connection& c_;
    std::string pending_;
  };

  // --- strand side -------------------------------------------------------

  void ArmTimer(absl::Duration d) {
    timed_out_ = false;
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(ToChrono(d));
    timer_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->timer_gen_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
  }
  void CancelTimer() {
    ++timer_gen_;
    timer_.cancel();
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    CancelTimer();
    beast::error_code ec;
    socket_.shutdown(net::socket_base::shutdown_both, ec);
    socket_.close(ec);
  }

  void ReadNext() {
    if (state_ == State::kClosed) return;
    if (server_.stopping()) {
      Close();
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
    parser_->body_limit((std::numeric_limits<std::uint64_t>::max)());
    ResetRequestState();
    if (buffer_.size() == 0) {
      state_ = State::kIdle;
      ArmTimer(server_.options().idle_timeout);
      socket_.async_read_some(buffer_.prepare(kReadSize),
                              [self = shared_from_this()](beast::error_code ec, size_t n) {
                                self->CancelTimer();
                                if (ec) {
                                  self->Close();
                                  return;
                                }
                                self->buffer_.commit(n);
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  void ReadHeader() {
    if (state_ == State::kClosed) return;
    state_ = State::kHeader;
    header_bytes_ = 0;
    ArmTimer(server_.options().header_timeout);
    ReadHeaderStep();
  }

  // Beast 1.74's header_limit bounds the unparsed bytes, not the whole header,
  // and its read_some keeps reading while the parser needs more: feed the
  // parser by hand and count what it consumed.
  void ReadHeaderStep() {
    const size_t max = server_.options().max_header_bytes;
    while (buffer_.size() > 0) {
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes_ += used;
      if (header_bytes_ > max || (ec == http::error::need_more && buffer_.size() > max)) {
        ec = http::error::header_limit;
      }
      if (ec == http::error::need_more) break;
      if (ec || parser_->is_header_done()) {
        CancelTimer();
        OnHeader(ec);
        return;
      }
      if (used == 0) break;
    }
    socket_.async_read_some(buffer_.prepare(kReadSize),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) {
                                self->CancelTimer();
                                self->OnHeader(ec == net::error::eof
                                                   ? beast::error_code(http::error::partial_message)
                                                   : ec);
                                return;
                              }
                              self->ReadHeaderStep();
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    if (ec == http::error::header_limit) {
      WriteRawAndClose(http::status::request_header_fields_too_large,
                       "431 Request Header Fields Too Large");
      return;
    }
    if (ec) {
      bool parse_error = IsBeastHttpError(ec) && ec != http::error::end_of_stream &&
                         ec != http::error::partial_message && !timed_out_;
      if (parse_error) {
        WriteRawAndClose(http::status::bad_request, "400 Bad Request");
      } else {
        Close();
      }
      return;
    }
    state_ = State::kHandling;
    auto& req = parser_->get();
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    head_ = req.base();
    version_ = req.version();
    has_body_ = parser_->chunked() ||
                (parser_->content_length().has_value() && *parser_->content_length() > 0);
    expect_continue_ =
        beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done();
    keep_alive_requested_ = parser_->keep_alive();
    server_.Dispatch([self = shared_from_this()] { self->RunHandler(); });
  }

  void WriteRawAndClose(http::status status, std::string text) {
    state_ = State::kHandling;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(status);
    for (const auto& [k, v] : server_.options().default_headers) res->insert(k, v);
    res->set(http::field::content_type, "text/plain; charset=utf-8");
    res->body() = std::move(text);
    res->prepare_payload();
    res->keep_alive(false);
    ArmTimer(absl::Seconds(5));
    http::async_write(socket_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      self->CancelTimer();
      self->Close();
    });
  }

  void LingerThenClose() {
    if (state_ == State::kClosed) return;
    beast::error_code ec;
    socket_.shutdown(net::socket_base::shutdown_send, ec);
    linger_left_ = server_.options().linger_bytes;
    ArmTimer(server_.options().linger_timeout);
    Drain();
  }

  void Drain() {
    socket_.async_read_some(net::buffer(drain_buf_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec || n >= self->linger_left_) {
                                self->Close();
                                return;
                              }
                              self->linger_left_ -= n;
                              self->Drain();
                            });
  }

  // --- worker side -------------------------------------------------------

  void ResetRequestState() {
    method_.clear();
    target_.clear();
    head_ = {};
    has_body_ = false;
    expect_continue_ = false;
    continue_sent_ = false;
    keep_alive_requested_ = false;
    responded_ = false;
    streaming_ = false;
    stream_finished_ = false;
    aborted_ = false;
    io_failed_ = false;
    close_after_ = false;
    status_ = 0;
    bytes_out_ = 0;
  }

  // Posts `start(done)` to the strand under the I/O timeout and waits for the
  // operation's completion.
  template <typename Start>
  IoResult RunIo(absl::Duration timeout, Start&& start) {
    auto promise = std::make_shared<std::promise<IoResult>>();
    std::future<IoResult> future = promise->get_future();
    net::post(socket_.get_executor(), [this, self = shared_from_this(), timeout, &start, promise] {
      if (state_ == State::kClosed) {
        promise->set_value({net::error::bad_descriptor, 0});
        return;
      }
      ArmTimer(timeout);
      start([this, self, promise](beast::error_code ec, size_t n) {
        bool timed_out = timed_out_;
        CancelTimer();
        if (timed_out) ec = net::error::timed_out;
        promise->set_value({ec, n});
      });
    });
    return future.get();
  }

  absl::Status IoStatus(const beast::error_code& ec, std::string_view what) {
    if (!ec) return absl::OkStatus();
    io_failed_ = true;
    if (ec == net::error::timed_out) {
      return absl::DeadlineExceededError("timed out " + std::string(what));
    }
    return absl::UnavailableError(std::string(what) + ": " + ec.message());
  }

  absl::StatusOr<size_t> ReadSome(char* buf, size_t n) {
    if (n == 0) return 0;
    if (parser_->is_done()) return 0;
    if (io_failed_) return absl::UnavailableError("the connection failed earlier");
    if (expect_continue_ && !continue_sent_ && !responded_) {
      continue_sent_ = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      IoResult r = RunIo(server_.options().io_timeout, [&](auto done) {
        net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                         std::move(done));
      });
      if (absl::Status s = IoStatus(r.first, "writing 100 Continue"); !s.ok()) return s;
    }
    while (true) {
      IoResult r = RunIo(server_.options().io_timeout, [&](auto done) {
        auto& b = parser_->get().body();
        b.data = buf;
        b.size = n;
        b.more = true;
        http::async_read_some(socket_, buffer_, *parser_, std::move(done));
      });
      size_t got = n - parser_->get().body().size;
      beast::error_code ec = r.first;
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        io_failed_ = true;
        if (ec == net::error::timed_out) {
          return absl::DeadlineExceededError("timed out reading the request body");
        }
        if (ec == http::error::partial_message || ec == net::error::eof ||
            ec == http::error::end_of_stream || ec == net::error::connection_reset) {
          return absl::UnavailableError(
              "the client closed the connection before the request body was complete");
        }
        return absl::UnavailableError("reading the request body: " + ec.message());
      }
      if (got > 0) return got;
      if (parser_->is_done()) return 0;
    }
  }

  absl::Status SendChunk(std::string_view data) {
    if (data.empty()) return absl::OkStatus();
    IoResult r = RunIo(server_.options().io_timeout, [&](auto done) {
      net::async_write(socket_, http::make_chunk(net::const_buffer(data.data(), data.size())),
                       std::move(done));
    });
    if (!r.first) bytes_out_ += data.size();
    return IoStatus(r.first, "writing the response body");
  }

  template <typename Message>
  void AddHeaders(Message& res, const HeaderList& headers) {
    for (const auto& [k, v] : server_.options().default_headers) res.insert(k, v);
    for (const auto& [k, v] : headers) res.set(k, v);
  }

  bool WantClose() const {
    return !keep_alive_requested_ || server_.stopping() || !parser_->is_done();
  }

  void RunHandler() {
    absl::Time start = absl::Now();
    try {
      server_.handler().Serve(*this);
    } catch (const std::exception& e) {
      spdlog::error("api: handler threw for {} {}: {}", method_, target_, e.what());
      if (responded_) aborted_ = true;
    }
    if (!responded_ && !aborted_) {
      (void)Respond(500, {{"Content-Type", "text/plain; charset=utf-8"}},
                    "500 Internal Server Error\n");
    }
    if (streaming_ && !stream_finished_ && !aborted_ && !io_failed_) {
      if (!FinishStream().ok()) io_failed_ = true;
    }
    if (server_.options().access_log) {
      auto ua = header("User-Agent");
      spdlog::info("api: {} \"{} {}\" {} {}B {:.1f}ms \"{}\"{}", peer_, method_, target_, status_,
                   bytes_out_, absl::ToDoubleMilliseconds(absl::Now() - start),
                   ua.has_value() ? *ua : "", aborted_ ? " aborted" : "");
    }
    bool keep = responded_ && !aborted_ && !io_failed_ && !close_after_;
    bool linger = !aborted_ && !io_failed_ && !parser_->is_done();
    net::post(socket_.get_executor(), [self = shared_from_this(), keep, linger] {
      if (self->force_closed_) {
        self->Close();
      } else if (keep) {
        self->ReadNext();
      } else if (linger) {
        self->LingerThenClose();
      } else {
        self->Close();
      }
    });
  }

  HttpServer::Impl& server_;
  Socket socket_;
  Timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  const std::string peer_;
  BodySource body_source_;
  Stream stream_;

  // Strand-only state.
  State state_ = State::kIdle;
  uint64_t timer_gen_ = 0;
  bool timed_out_ = false;
  bool force_closed_ = false;
  size_t linger_left_ = 0;
  size_t header_bytes_ = 0;
  std::array<char, 16 * 1024> drain_buf_;

  // The current request (written on the strand before dispatch, then owned by
  // the handler thread until it hands the connection back).
  std::string method_;
  std::string target_;
  http::request_header<> head_;
  unsigned version_ = 11;
  bool has_body_ = false;
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  bool keep_alive_requested_ = false;
  bool responded_ = false;
  bool streaming_ = false;
  bool stream_finished_ = false;
  bool aborted_ = false;
  bool io_failed_ = false;
  bool close_after_ = false;
  int status_ = 0;
  uint64_t bytes_out_ = 0;
};

void HttpServer::Impl::Accept(size_t i) {
  Acceptor& acceptor = *acceptors_[i];
  acceptor.async_accept(
      net::make_strand(ioc_), [this, i](beast::error_code ec, Socket socket) {
        if (ec == net::error::operation_aborted || stopping()) return;
        if (ec) {
          spdlog::warn("api: accept failed: {}", ec.message());
          // Back off briefly (e.g. out of file descriptors) instead of spinning.
          auto timer = std::make_shared<net::steady_timer>(acceptors_[i]->get_executor());
          timer->expires_after(std::chrono::milliseconds(50));
          timer->async_wait([this, i, timer](beast::error_code) {
            if (!stopping()) Accept(i);
          });
          return;
        }
        if (connection_count() >= options_.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          if (acceptor_is_tcp_[i]) {
            beast::error_code ignored;
            socket.set_option(net::ip::tcp::no_delay(true), ignored);
          }
          beast::error_code peer_ec;
          Protocol::endpoint remote = socket.remote_endpoint(peer_ec);
          std::string peer = peer_ec ? "unknown" : PeerName(remote);
          auto conn = std::make_shared<Connection>(*this, std::move(socket), std::move(peer));
          Register(conn.get(), conn);
          conn->Start();
        }
        Accept(i);
      });
}

void HttpServer::Impl::ForEachConnection(void (Connection::*fn)()) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    for (auto& [ptr, weak] : conns_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->PostToStrand(fn);
}

void HttpServer::Impl::DoShutdown(absl::Duration grace) {
  for (auto& acceptor : acceptors_) {
    Acceptor* a = acceptor.get();
    net::post(a->get_executor(), [a] {
      beast::error_code ec;
      a->close(ec);
    });
  }
  ForEachConnection(&Connection::OnShutdown);
  auto deadline = std::chrono::steady_clock::now() + ToChrono(grace);
  {
    std::unique_lock<std::mutex> lock(conn_mu_);
    conn_cv_.wait_until(lock, deadline, [this] { return conns_.empty(); });
  }
  ForEachConnection(&Connection::ForceClose);
  {
    std::unique_lock<std::mutex> lock(conn_mu_);
    while (!conns_.empty()) {
      conn_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (!conns_.empty()) {
        lock.unlock();
        ForEachConnection(&Connection::ForceClose);
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
