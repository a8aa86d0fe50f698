#include "registry/testing/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "registry/str.h"

namespace reclaim {
namespace {

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int v = 0;
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && str::ParseHex(s.substr(i + 1, 2), &v)) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Appends what `fd` has to `buf`; false at the end of the connection.
bool ReadMore(int fd, std::string* buf) {
  char tmp[16384];
  const ssize_t got = ::read(fd, tmp, sizeof(tmp));
  if (got <= 0) return false;
  buf->append(tmp, static_cast<size_t>(got));
  return true;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::string TestRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

std::string TestRequest::Path() const { return target.substr(0, target.find('?')); }

std::string TestRequest::Query(std::string_view name) const {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  for (std::string_view kv : str::Split(std::string_view(target).substr(q + 1), "&")) {
    const size_t eq = kv.find('=');
    if (UrlDecode(kv.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
    }
  }
  return "";
}

HttpTestServer::HttpTestServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    std::perror("HttpTestServer: bind/listen");
    std::abort();
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

HttpTestServer::~HttpTestServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<TestRequest> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void HttpTestServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    connections_.emplace_back([this, fd] {
      ServeConnection(fd);
      ::close(fd);
    });
  }
  for (std::thread& t : connections_) t.join();
}

void HttpTestServer::ServeConnection(int fd) {
  std::string buf;
  while (!stop_) {
    // Wait for a request (or the end of the connection).
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, 50);
      if (stop_) return;
      if (ready <= 0) continue;
      if (!ReadMore(fd, &buf)) return;
      if (static_cast<unsigned char>(buf[0]) == 0x16) {  // a TLS ClientHello: answer as Go does
        WriteAll(
            fd,
            "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
        return;
      }
    }
    TestRequest req;
    std::vector<std::string_view> lines = str::Split(std::string_view(buf).substr(0, end), "\r\n");
    std::vector<std::string_view> first = str::Split(lines[0], " ");
    if (first.size() < 2) return;
    req.method = std::string(first[0]);
    req.target = std::string(first[1]);
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string_view::npos) continue;
      req.headers.emplace_back(str::Lower(lines[i].substr(0, colon)),
                               std::string(str::Trim(lines[i].substr(colon + 1))));
    }
    buf.erase(0, end + 4);
    if (str::EqualsIgnoreCase(req.Header("transfer-encoding"), "chunked")) {
      while (true) {
        size_t eol;
        while ((eol = buf.find("\r\n")) == std::string::npos) {
          if (!ReadMore(fd, &buf)) return;
        }
        size_t n = 0;
        if (!str::ParseHex(buf.substr(0, eol), &n)) return;
        while (buf.size() < eol + 2 + n + 2) {
          if (!ReadMore(fd, &buf)) return;
        }
        req.body.append(buf, eol + 2, n);
        buf.erase(0, eol + 2 + n + 2);
        if (n == 0) break;
      }
    } else {
      size_t length = 0;
      if (str::ParseInt(req.Header("content-length"), &length)) {
        while (buf.size() < length) {
          if (!ReadMore(fd, &buf)) return;
        }
        req.body = buf.substr(0, length);
        buf.erase(0, length);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    TestResponse resp = handler_(req);
    std::string out = str::Cat("HTTP/1.1 ", resp.status, " X\r\n");
    bool has_length = false;
    for (const auto& [k, v] : resp.headers) {
      if (str::EqualsIgnoreCase(k, "content-length")) has_length = true;
      str::CatTo(&out, k, ": ", v, "\r\n");
    }
    if (!has_length) str::CatTo(&out, "Content-Length: ", resp.body.size(), "\r\n");
    if (resp.close_after) str::CatTo(&out, "Connection: close\r\n");
    out += "\r\n";
    if (req.method != "HEAD") out += resp.body;
    if (!WriteAll(fd, out) || resp.close_after) return;
  }
}

}  // namespace reclaim
