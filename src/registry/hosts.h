// File: registry/hosts.h
//
// Where the requests for a registry domain go, and how (Docker's
// registry-mirrors / insecure-registries rules, specs/registry.md A2):
//
//   RECLAIM_ASSIGN_OR_RETURN(RegistryHosts hosts, RegistryHosts::Create(config));
//   for (const Endpoint& e : hosts.EndpointsFor("docker.io", kPull)) ...
//
//  - `docker.io` is served by `registry-1.docker.io` over verified HTTPS, always
//    (no insecure rule applies to it). Its `registry_mirrors` come first, in
//    order, for pulls only; each is `<mirror URL>/v2`, and requests to a mirror
//    carry `?ns=docker.io`.
//  - Any other domain is its own single endpoint, `https://<domain>/v2`.
//  - A domain is insecure when its host[:port] is listed in
//    `insecure_registries`, or its host is `localhost`, a loopback address
//    (127.0.0.0/8, ::1: always, as Docker), or an address (or a name resolving
//    to one, through the injectable lookup) inside a listed CIDR. An insecure
//    endpoint is tried over HTTPS without certificate verification first and
//    then over plain HTTP (Docker's legacy fallback).
//
// Config validation errors (InvalidArgument, Docker's texts):
//   "insecure registry <r> should not contain '://'"
//   "insecure registry <r> is not valid: <why>"
//   "invalid mirror: unsupported scheme \"<s>\" in \"<url>\""
//   "invalid mirror: query or fragment at end of the URI \"<url>\""
//   "invalid mirror: username/password not allowed in URI \"<url>\""
// `http://` and `https://` prefixes of insecure entries are stripped.
//
// Thread-safety: an immutable value after Create; the lookup function must be
// safe to call concurrently.
#ifndef RECLAIM_REGISTRY_HOSTS_H_
#define RECLAIM_REGISTRY_HOSTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace reclaim {

struct RegistryHostsConfig {
  std::vector<std::string> insecure_registries;  // host[:port] or CIDR
  std::vector<std::string> registry_mirrors;     // http(s) URLs, docker.io only
};

// The IP addresses (text form) of a host name; empty when it does not resolve.
using HostLookup = std::function<std::vector<std::string>(const std::string& host)>;

// getaddrinfo(3).
std::vector<std::string> SystemHostLookup(const std::string& host);

enum class HostCapability { kPull, kPush };

struct Endpoint {
  std::string host;       // host[:port] the requests go to (certs.d and auth key)
  std::string scheme;     // "https" or "http"
  std::string path;       // "/v2" or "<mirror path>/v2"
  bool mirror = false;    // requests carry ?ns=<domain>
  bool insecure = false;  // TLS unverified, plain HTTP fallback

  // `<scheme>://<host><path>`.
  std::string BaseUrl() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

class RegistryHosts {
 public:
  // Validates and normalises `config`. `lookup` defaults to SystemHostLookup.
  [[nodiscard]] static absl::StatusOr<RegistryHosts> Create(const RegistryHostsConfig& config,
                                                            HostLookup lookup = nullptr);

  // Endpoints for `domain` (a reference's domain: "docker.io", "host:5000"),
  // in the order to try them.
  std::vector<Endpoint> EndpointsFor(std::string_view domain, HostCapability capability) const;

  // Whether `host` (host[:port]) is an insecure registry.
  bool IsInsecure(std::string_view host) const;

 private:
  struct Cidr {
    bool v6 = false;
    uint8_t addr[16] = {};
    int prefix = 0;
  };
  static bool InCidr(const Cidr& c, std::string_view ip);
  static bool ParseCidr(std::string_view text, Cidr* out);

  std::vector<std::string> insecure_hosts_;
  std::vector<Cidr> insecure_cidrs_;
  std::vector<Endpoint> mirrors_;
  HostLookup lookup_;
};

// The host part of host[:port] ("[::1]:5000" -> "::1").
std::string_view HostWithoutPort(std::string_view host_port);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_HOSTS_H_
