// File: api/listen_address.cc
#include "api/listen_address.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <boost/asio/ip/address.hpp>

namespace reclaim {
namespace {

std::string ErrnoText(int err) { return std::string(std::strerror(err)); }

}  // namespace

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
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError("invalid listen address \"" + text + "\": bad port");
  }
  int port = std::stoi(std::string(port_text));
  if (port > 65535) {
    return absl::InvalidArgumentError("invalid listen address \"" + text + "\": bad port");
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::address ip = boost::asio::ip::make_address(host, ec);
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

absl::Status PrepareUnixSocketPath(const std::string& path) {
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

}  // namespace reclaim
