// File: api/testing/http_client.cc
#include "api/testing/http_client.h"

#include <chrono>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/match.h"

namespace reclaim::api_testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = net::generic::stream_protocol;

std::optional<std::string> TestResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(absl::string_view(k), absl::string_view(name.data(), name.size()))) {
      return v;
    }
  }
  return std::nullopt;
}

class TestClient::Impl {
 public:
  explicit Impl(absl::Duration timeout) : socket_(ioc_), timeout_(timeout) {}

  // Runs one async operation to completion or timeout.
  template <typename Op>
  beast::error_code Run(Op op) {
    bool done = false;
    beast::error_code result;
    op([&](beast::error_code ec, size_t) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(absl::ToChronoNanoseconds(timeout_));
    if (!done) {
      beast::error_code ignored;
      socket_.cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return net::error::timed_out;
    }
    return result;
  }

  absl::Status Connect(const ListenAddress& a) {
    Protocol::endpoint ep;
    if (a.kind == ListenAddress::Kind::kUnix) {
      ep = Protocol::endpoint(net::local::stream_protocol::endpoint(a.path));
    } else {
      ep = Protocol::endpoint(net::ip::tcp::endpoint(net::ip::make_address(a.host), a.port));
    }
    host_ = a.kind == ListenAddress::Kind::kUnix ? "api.moby.localhost"
                                                  : a.host + ":" + std::to_string(a.port);
    beast::error_code ec = Run([&](auto h) { socket_.async_connect(ep, [h](beast::error_code e) mutable { h(e, 0); }); });
    if (ec) return absl::UnavailableError("connect " + a.ToString() + ": " + ec.message());
    return absl::OkStatus();
  }

  absl::Status Check(beast::error_code ec, std::string_view what) {
    if (!ec) return absl::OkStatus();
    if (ec == net::error::timed_out) return absl::DeadlineExceededError(std::string(what) + ": timeout");
    return absl::UnavailableError(std::string(what) + ": " + ec.message());
  }

  template <typename Req>
  void Prepare(Req& req, std::string_view method, std::string_view target,
               const HeaderList& headers) {
    req.version(11);
    req.method_string(beast::string_view(method.data(), method.size()));
    req.target(beast::string_view(target.data(), target.size()));
    req.set(http::field::host, host_);
    for (const auto& [k, v] : headers) req.set(k, v);
  }

  absl::Status Send(std::string_view method, std::string_view target, std::string_view body,
                    const HeaderList& headers) {
    http::request<http::string_body> req;
    Prepare(req, method, target, headers);
    req.body() = std::string(body);
    bool has_length = false;
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, "Content-Length")) has_length = true;
    }
    if (!body.empty() && !has_length) req.prepare_payload();
    return Check(Run([&](auto h) { http::async_write(socket_, req, h); }), "write request");
  }

  absl::Status SendChunkedHeader(std::string_view method, std::string_view target,
                                 const HeaderList& headers) {
    http::request<http::empty_body> req;
    Prepare(req, method, target, headers);
    req.chunked(true);
    http::request_serializer<http::empty_body> sr(req);
    return Check(Run([&](auto h) { http::async_write_header(socket_, sr, h); }), "write header");
  }

  absl::Status SendChunk(std::string_view data) {
    return Check(Run([&](auto h) {
                   net::async_write(socket_,
                                    http::make_chunk(net::const_buffer(data.data(), data.size())), h);
                 }),
                 "write chunk");
  }

  absl::Status SendLastChunk() {
    return Check(Run([&](auto h) { net::async_write(socket_, http::make_chunk_last(), h); }),
                 "write last chunk");
  }

  absl::Status WriteRaw(std::string_view bytes) {
    return Check(Run([&](auto h) {
                   net::async_write(socket_, net::const_buffer(bytes.data(), bytes.size()), h);
                 }),
                 "write raw");
  }

  // Appends what the socket has (up to 4 KiB) to buffer_.
  beast::error_code ReadSomeIntoBuffer() {
    return Run([&](auto h) {
      socket_.async_read_some(buffer_.prepare(4096),
                              [this, h](beast::error_code e, size_t n) mutable {
                                buffer_.commit(n);
                                h(e, n);
                              });
    });
  }

  absl::StatusOr<std::string> ReadRawUntil(std::string_view delimiter) {
    std::string out;
    while (true) {
      std::string have = beast::buffers_to_string(buffer_.data());
      size_t pos = have.find(delimiter);
      if (pos != std::string::npos) {
        buffer_.consume(pos + delimiter.size());
        return have.substr(0, pos + delimiter.size());
      }
      beast::error_code ec = ReadSomeIntoBuffer();
      if (ec) return Check(ec, "read raw");
    }
  }

  absl::StatusOr<std::string> ReadRawToEnd() {
    while (true) {
      beast::error_code ec = ReadSomeIntoBuffer();
      if (ec == net::error::timed_out) return Check(ec, "read to the end");
      if (ec) {
        std::string out = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        return out;
      }
    }
  }

  absl::StatusOr<TestResponse> ReadResponse(bool head) {
    http::response_parser<http::string_body> p;
    p.body_limit(1ull << 32);
    p.header_limit(1 << 20);
    p.skip(head);
    beast::error_code ec = Run([&](auto h) { http::async_read(socket_, buffer_, p, h); });
    if (ec) return Check(ec, "read response");
    TestResponse r;
    r.status = static_cast<int>(p.get().result_int());
    for (const auto& f : p.get()) {
      r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    r.body = p.get().body();
    r.chunked = p.get().chunked();
    r.keep_alive = p.get().keep_alive();
    return r;
  }

  bool ServerClosed() {
    while (true) {
      std::array<char, 4096> buf;
      beast::error_code ec = Run([&](auto h) { socket_.async_read_some(net::buffer(buf), h); });
      if (ec == net::error::timed_out) return false;
      if (ec) return true;
    }
  }

  void Close() {
    beast::error_code ec;
    socket_.close(ec);
  }

 private:
  net::io_context ioc_;
  Protocol::socket socket_;
  beast::flat_buffer buffer_;
  absl::Duration timeout_;
  std::string host_;
};

TestClient::TestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TestClient::~TestClient() = default;

absl::StatusOr<std::unique_ptr<TestClient>> TestClient::Connect(const ListenAddress& address,
                                                                absl::Duration timeout) {
  auto impl = std::make_unique<Impl>(timeout);
  if (absl::Status s = impl->Connect(address); !s.ok()) return s;
  return std::unique_ptr<TestClient>(new TestClient(std::move(impl)));
}

absl::StatusOr<TestResponse> TestClient::Request(std::string_view method, std::string_view target,
                                                 std::string_view body,
                                                 const HeaderList& headers) {
  if (absl::Status s = impl_->Send(method, target, body, headers); !s.ok()) return s;
  return impl_->ReadResponse(method == "HEAD");
}

absl::StatusOr<TestResponse> TestClient::RequestChunked(std::string_view method,
                                                        std::string_view target,
                                                        const std::vector<std::string>& chunks,
                                                        const HeaderList& headers) {
  if (absl::Status s = impl_->SendChunkedHeader(method, target, headers); !s.ok()) return s;
  for (const std::string& c : chunks) {
    if (c.empty()) continue;
    if (absl::Status s = impl_->SendChunk(c); !s.ok()) return s;
  }
  if (absl::Status s = impl_->SendLastChunk(); !s.ok()) return s;
  return impl_->ReadResponse(false);
}

absl::Status TestClient::SendChunkedHeader(std::string_view method, std::string_view target,
                                           const HeaderList& headers) {
  return impl_->SendChunkedHeader(method, target, headers);
}
absl::Status TestClient::SendChunk(std::string_view data) { return impl_->SendChunk(data); }
absl::Status TestClient::SendLastChunk() { return impl_->SendLastChunk(); }
absl::Status TestClient::WriteRaw(std::string_view bytes) { return impl_->WriteRaw(bytes); }
absl::StatusOr<std::string> TestClient::ReadRawUntil(std::string_view delimiter) {
  return impl_->ReadRawUntil(delimiter);
}
absl::StatusOr<std::string> TestClient::ReadRawToEnd() { return impl_->ReadRawToEnd(); }
absl::StatusOr<TestResponse> TestClient::ReadResponse(bool head) {
  return impl_->ReadResponse(head);
}
bool TestClient::ServerClosed() { return impl_->ServerClosed(); }
void TestClient::Close() { impl_->Close(); }

}  // namespace reclaim::api_testing
