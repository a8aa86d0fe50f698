// File: api/http_connection.cc
#include "api/http_connection.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <future>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include <poll.h>
#include <sys/socket.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace reclaim::http_internal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Strand>;
using IoResult = std::pair<beast::error_code, size_t>;

constexpr size_t kStreamChunk = 64 * 1024;
constexpr size_t kReadSize = 16 * 1024;
// Go's maxPostHandlerReadBytes.
constexpr size_t kDiscardBeforeRespond = 256 * 1024;
// idle_since_ns() while a request is read or handled.
constexpr int64_t kNotIdle = -1;

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsBeastHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

class Connection final : public HttpConnection,
                         public HttpExchange,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(ConnectionOwner& owner, Socket socket, std::string peer)
      : owner_(owner),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(owner.options().max_header_bytes + 2 * kStreamChunk),
        peer_(std::move(peer)),
        body_source_(*this),
        stream_(*this) {}

  ~Connection() override { owner_.Unregister(this); }

  // HttpConnection
  void Start() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->ReadNext(); });
  }
  void CloseIfIdle() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle) self->Close();
    });
  }
  std::optional<int64_t> idle_since_ns() const override {
    const int64_t t = idle_since_ns_.load();
    if (t == kNotIdle) return std::nullopt;
    return t;
  }
  void ForceClose() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      self->force_closed_ = true;
      self->Close();
    });
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
        return absl::InvalidArgumentError("request body too large (limit " + std::to_string(limit) +
                                          " bytes)");
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
    http::response<http::string_body> res;
    BeginResponse(res, status, headers);
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
    IoResult r = RunIo(owner_.options().io_timeout,
                       [&](auto done) { http::async_write(socket_, res, std::move(done)); });
    return IoStatus(r.first, "writing the response");
  }

  absl::StatusOr<ResponseStream*> StartStream(int status, const HeaderList& headers) override {
    if (responded_) return absl::FailedPreconditionError("response already sent");
    streaming_ = true;
    http::response<http::empty_body> res;
    BeginResponse(res, status, headers);
    res.chunked(true);
    close_after_ = WantClose();
    res.keep_alive(!close_after_);
    http::response_serializer<http::empty_body> sr(res);
    IoResult r = RunIo(owner_.options().io_timeout,
                       [&](auto done) { http::async_write_header(socket_, sr, std::move(done)); });
    if (absl::Status s = IoStatus(r.first, "writing the response header"); !s.ok()) return s;
    return &stream_;
  }

  absl::Status FinishStream() override {
    if (!streaming_) return absl::FailedPreconditionError("no stream was started");
    if (stream_finished_) return absl::OkStatus();
    if (absl::Status s = stream_.Flush(); !s.ok()) return s;
    stream_finished_ = true;
    IoResult r = RunIo(owner_.options().io_timeout, [&](auto done) {
      net::async_write(socket_, http::make_chunk_last(), std::move(done));
    });
    return IoStatus(r.first, "writing the last chunk");
  }

  void Abort() override { aborted_ = true; }
  bool ShouldStop() override {
    if (owner_.stopping() || io_failed_) return true;
    auto promise = std::make_shared<std::promise<bool>>();
    std::future<bool> gone = promise->get_future();
    net::post(socket_.get_executor(), [this, self = shared_from_this(), promise] {
      promise->set_value(state_ == State::kClosed || PeerHungUp());
    });
    return gone.get();
  }
  bool responded() const override { return responded_; }
  int response_status() const override { return status_; }

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
    timer_.expires_after(ToSteadyDuration(d));
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

  // On the strand: the client closed or reset its end (a byte it sent early,
  // a next request, is not a hang-up).
  bool PeerHungUp() {
    pollfd p{socket_.native_handle(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLHUP | POLLERR | POLLRDHUP)) != 0) return true;
    char byte;
    return (p.revents & POLLIN) != 0 &&
           ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    idle_since_ns_.store(kNotIdle);
    CancelTimer();
    beast::error_code ec;
    socket_.shutdown(net::socket_base::shutdown_both, ec);
    socket_.close(ec);
  }

  void ReadNext() {
    if (state_ == State::kClosed) return;
    if (owner_.stopping()) {
      Close();
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(owner_.options().max_header_bytes));
    parser_->body_limit((std::numeric_limits<std::uint64_t>::max)());
    ResetRequestState();
    if (buffer_.size() == 0) {
      state_ = State::kIdle;
      idle_since_ns_.store(SteadyNowNs());
      ArmTimer(owner_.options().idle_timeout);
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
    idle_since_ns_.store(kNotIdle);
    header_bytes_ = 0;
    ArmTimer(owner_.options().header_timeout);
    ReadHeaderStep();
  }

  // Beast 1.74's header_limit bounds the unparsed bytes, not the whole header,
  // and its read_some keeps reading while the parser needs more: feed the
  // parser by hand and count what it consumed.
  void ReadHeaderStep() {
    const size_t max = owner_.options().max_header_bytes;
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
    socket_.async_read_some(
        buffer_.prepare(kReadSize), [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->buffer_.commit(n);
          if (ec) {
            self->CancelTimer();
            self->OnHeader(ec == net::error::eof ? beast::error_code(http::error::partial_message)
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
    if (ec == http::error::bad_transfer_encoding) {
      WriteUnsupportedTransferEncoding();
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
    auto& req = parser_->get();
    // Go's server accepts exactly `chunked` (one coding); anything else,
    // `gzip, chunked` included, is 501 without echoing the value.
    if (auto te = req.find(http::field::transfer_encoding); te != req.end()) {
      std::string_view v(te->value().data(), te->value().size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!beast::iequals(beast::string_view(v.data(), v.size()), "chunked")) {
        WriteUnsupportedTransferEncoding();
        return;
      }
    }
    state_ = State::kHandling;
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    head_ = req.base();
    version_ = req.version();
    has_body_ = parser_->chunked() ||
                (parser_->content_length().has_value() && *parser_->content_length() > 0);
    expect_continue_ =
        beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done();
    keep_alive_requested_ = parser_->keep_alive();
    owner_.Dispatch([self = shared_from_this()] { self->RunHandler(); });
  }

  void WriteUnsupportedTransferEncoding() {
    WriteRawAndClose(http::status::not_implemented, "Unsupported transfer encoding");
  }

  void WriteRawAndClose(http::status status, std::string text) {
    state_ = State::kHandling;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(status);
    for (const auto& [k, v] : owner_.options().default_headers) res->insert(k, v);
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
    linger_left_ = owner_.options().linger_bytes;
    ArmTimer(owner_.options().linger_timeout);
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
      IoResult r = RunIo(owner_.options().io_timeout, [&](auto done) {
        net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()), std::move(done));
      });
      if (absl::Status s = IoStatus(r.first, "writing 100 Continue"); !s.ok()) return s;
    }
    while (true) {
      IoResult r = RunIo(owner_.options().io_timeout, [&](auto done) {
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
    IoResult r = RunIo(owner_.options().io_timeout, [&](auto done) {
      net::async_write(socket_, http::make_chunk(net::const_buffer(data.data(), data.size())),
                       std::move(done));
    });
    if (!r.first) bytes_out_ += data.size();
    return IoStatus(r.first, "writing the response body");
  }

  // The status line and headers of the one response to this request.
  template <typename Message>
  void BeginResponse(Message& res, int status, const HeaderList& headers) {
    responded_ = true;
    status_ = status;
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    for (const auto& [k, v] : owner_.options().default_headers) res.insert(k, v);
    for (const auto& [k, v] : headers) res.set(k, v);
  }

  bool WantClose() const {
    return !keep_alive_requested_ || owner_.stopping() || !parser_->is_done();
  }

  void RunHandler() {
    absl::Time start = absl::Now();
    try {
      owner_.handler().Serve(*this);
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
    if (owner_.options().access_log) {
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

  ConnectionOwner& owner_;
  Socket socket_;
  Timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  const std::string peer_;
  BodySource body_source_;
  Stream stream_;

  // Strand-only state.
  State state_ = State::kIdle;
  // When the connection began waiting for a next request (steady clock ns),
  // kNotIdle otherwise; read by the server from its accept thread.
  std::atomic<int64_t> idle_since_ns_{SteadyNowNs()};
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

}  // namespace

std::chrono::steady_clock::duration ToSteadyDuration(absl::Duration d) {
  if (d == absl::InfiniteDuration() || d > absl::Hours(24 * 365)) {
    return std::chrono::hours(24 * 365);
  }
  if (d < absl::ZeroDuration()) return std::chrono::steady_clock::duration::zero();
  return absl::ToChronoNanoseconds(d);
}

std::shared_ptr<HttpConnection> HttpConnection::Create(ConnectionOwner& owner, Socket socket,
                                                       std::string peer) {
  return std::make_shared<Connection>(owner, std::move(socket), std::move(peer));
}

}  // namespace reclaim::http_internal
