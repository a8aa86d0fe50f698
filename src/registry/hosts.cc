#include "registry/hosts.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <utility>

#include "registry/str.h"

namespace reclaim {
namespace {

constexpr std::string_view kDockerHubDomain = "docker.io";
constexpr std::string_view kDockerHubHost = "registry-1.docker.io";

bool IsDockerHub(std::string_view domain) {
  return domain == kDockerHubDomain || domain == "index.docker.io" || domain == kDockerHubHost;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// Docker's validateHostPort: a host (no scheme, no path) with an optional
// numeric port.
absl::Status ValidateHostPort(std::string_view s) {
  if (s.empty()) return Invalid("empty host");
  std::string_view host = s;
  std::string_view port;
  if (s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return Invalid("missing ']' in address");
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Invalid("unexpected characters after address");
      port = rest.substr(1);
      if (port.empty()) return Invalid("empty port");
    }
  } else if (const size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (port.empty()) return Invalid("empty port");
  }
  if (host.empty()) return Invalid("empty host");
  for (char c : host) {
    if (!str::IsAlnum(c) && c != '.' && c != '-' && c != '_' && c != ':') {
      return Invalid(str::Cat("invalid host \"", host, "\""));
    }
  }
  if (!port.empty()) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || ptr != port.data() + port.size() || n < 0 || n > 65535) {
      return Invalid(str::Cat("invalid port \"", port, "\""));
    }
  }
  return absl::OkStatus();
}

// Parses a mirror URL into an endpoint (Docker's ValidateMirror texts).
absl::StatusOr<Endpoint> ParseMirror(std::string_view url) {
  const size_t sep = url.find("://");
  const std::string scheme = sep == std::string_view::npos ? "" : str::Lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return Invalid(
        str::Cat("invalid mirror: unsupported scheme \"", scheme, "\" in \"", url, "\""));
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return Invalid(str::Cat("invalid mirror: query or fragment at end of the URI \"", url, "\""));
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(str::Cat("invalid mirror: username/password not allowed in URI \"", url, "\""));
  }
  if (absl::Status st = ValidateHostPort(authority); !st.ok()) {
    return Invalid(str::Cat("invalid mirror: \"", url, "\" is not a valid URI"));
  }
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  Endpoint e;
  e.host = std::string(authority);
  e.scheme = scheme;
  e.path = path + "/v2";
  e.mirror = true;
  return e;
}

bool IsLoopback(std::string_view host) {
  if (str::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr a4;
  const std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) {
    return (ntohl(a4.s_addr) >> 24) == 127;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&a6);
  }
  return false;
}

bool IsIpLiteral(std::string_view host) {
  const std::string h(host);
  in_addr a4;
  in6_addr a6;
  return inet_pton(AF_INET, h.c_str(), &a4) == 1 || inet_pton(AF_INET6, h.c_str(), &a6) == 1;
}

}  // namespace

std::vector<std::string> SystemHostLookup(const std::string& host) {
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = nullptr;
    if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      src = &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    }
    if (src != nullptr && inet_ntop(ai->ai_family, src, buf, sizeof(buf)) != nullptr) {
      out.emplace_back(buf);
    }
  }
  freeaddrinfo(res);
  return out;
}

std::string_view HostWithoutPort(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    return close == std::string_view::npos ? host_port.substr(1) : host_port.substr(1, close - 1);
  }
  const size_t colon = host_port.find(':');
  if (colon != std::string_view::npos && host_port.find(':', colon + 1) == std::string_view::npos) {
    return host_port.substr(0, colon);
  }
  return host_port;  // no port, or a bare IPv6 address
}

std::string Endpoint::BaseUrl() const { return str::Cat(scheme, "://", host, path); }

bool RegistryHosts::ParseCidr(std::string_view text, Cidr* out) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string addr(text.substr(0, slash));
  std::string_view bits = text.substr(slash + 1);
  int prefix = 0;
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size()) return false;
  if (inet_pton(AF_INET, addr.c_str(), out->addr) == 1) {
    out->v6 = false;
    if (prefix < 0 || prefix > 32) return false;
  } else if (inet_pton(AF_INET6, addr.c_str(), out->addr) == 1) {
    out->v6 = true;
    if (prefix < 0 || prefix > 128) return false;
  } else {
    return false;
  }
  out->prefix = prefix;
  return true;
}

bool RegistryHosts::InCidr(const Cidr& c, std::string_view ip) {
  uint8_t addr[16] = {};
  const std::string s(ip);
  if (c.v6) {
    if (inet_pton(AF_INET6, s.c_str(), addr) != 1) return false;
  } else {
    if (inet_pton(AF_INET, s.c_str(), addr) != 1) return false;
  }
  for (int bit = 0; bit < c.prefix; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((addr[bit / 8] & mask) != (c.addr[bit / 8] & mask)) return false;
  }
  return true;
}

absl::StatusOr<RegistryHosts> RegistryHosts::Create(const RegistryHostsConfig& config,
                                                    HostLookup lookup) {
  RegistryHosts h;
  h.lookup_ = lookup ? std::move(lookup) : HostLookup(SystemHostLookup);
  for (const std::string& raw : config.insecure_registries) {
    std::string_view r = raw;
    if (str::StartsWithIgnoreCase(r, "http://")) {
      r.remove_prefix(7);
    } else if (str::StartsWithIgnoreCase(r, "https://")) {
      r.remove_prefix(8);
    } else if (r.find("://") != std::string_view::npos) {
      return Invalid(str::Cat("insecure registry ", raw, " should not contain '://'"));
    }
    Cidr cidr;
    if (ParseCidr(r, &cidr)) {
      h.insecure_cidrs_.push_back(cidr);
      continue;
    }
    if (absl::Status st = ValidateHostPort(r); !st.ok()) {
      return Invalid(str::Cat("insecure registry ", r, " is not valid: ", st.message()));
    }
    h.insecure_hosts_.emplace_back(r);
  }
  for (const std::string& m : config.registry_mirrors) {
    absl::StatusOr<Endpoint> e = ParseMirror(m);
    if (!e.ok()) return e.status();
    h.mirrors_.push_back(*std::move(e));
  }
  return h;
}

bool RegistryHosts::IsInsecure(std::string_view host) const {
  if (IsDockerHub(host)) return false;
  for (const std::string& h : insecure_hosts_) {
    if (h == host) return true;
  }
  const std::string bare(HostWithoutPort(host));
  if (IsLoopback(bare)) return true;
  if (insecure_cidrs_.empty()) return false;
  std::vector<std::string> ips;
  if (IsIpLiteral(bare)) {
    ips.push_back(bare);
  } else {
    ips = lookup_(bare);
  }
  for (const std::string& ip : ips) {
    if (IsLoopback(ip)) return true;
    for (const Cidr& c : insecure_cidrs_) {
      if (InCidr(c, ip)) return true;
    }
  }
  return false;
}

std::vector<Endpoint> RegistryHosts::EndpointsFor(std::string_view domain,
                                                  HostCapability capability) const {
  std::vector<Endpoint> out;
  if (IsDockerHub(domain)) {
    if (capability == HostCapability::kPull) {
      for (const Endpoint& m : mirrors_) {
        Endpoint e = m;
        e.insecure = IsInsecure(e.host);
        out.push_back(std::move(e));
      }
    }
    out.push_back(Endpoint{std::string(kDockerHubHost), "https", "/v2", false, false});
    return out;
  }
  Endpoint e{std::string(domain), "https", "/v2", false, IsInsecure(domain)};
  out.push_back(std::move(e));
  return out;
}

}  // namespace reclaim
