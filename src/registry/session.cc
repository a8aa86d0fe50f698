#include "registry/session.h"

#include <thread>
#include <utility>

#include "core/status.h"
#include "registry/str.h"
#include "registry/url.h"

namespace reclaim {
namespace registry_internal {

Context::Context(std::shared_ptr<HttpTransport> transport, RegistryHosts hosts, Fs* fs,
                 std::string certs_dir, const Clock* clock)
    : transport_(std::move(transport)),
      hosts_(std::move(hosts)),
      fs_(fs),
      certs_dir_(std::move(certs_dir)),
      clock_(clock) {}

absl::StatusOr<TlsOptions> Context::TlsFor(const Endpoint& endpoint) {
  TlsOptions tls;
  if (endpoint.insecure) {
    tls.verify = false;
    return tls;
  }
  TlsFiles files;
  bool cached = false;
  {
    MutexLock lock(&mu_);
    if (auto it = tls_files_.find(endpoint.host); it != tls_files_.end()) {
      files = it->second;
      cached = true;
    }
  }
  if (!cached) {
    absl::StatusOr<TlsFiles> read = ReadCertsDir(*fs_, certs_dir_, endpoint.host);
    if (!read.ok()) return Annotate(read.status(), str::Cat("certs.d for ", endpoint.host));
    files = *std::move(read);
    MutexLock lock(&mu_);
    tls_files_[endpoint.host] = files;
  }
  tls.extra_ca_pem = std::move(files.ca_pem);
  tls.client_cert_pem = std::move(files.client_cert_pem);
  tls.client_key_pem = std::move(files.client_key_pem);
  return tls;
}

TlsOptions Context::TlsForHost(const std::string& host) {
  Endpoint e;
  e.host = host;
  e.insecure = hosts_.IsInsecure(host);
  absl::StatusOr<TlsOptions> tls = TlsFor(e);
  return tls.ok() ? *tls : TlsOptions{};
}

std::string Context::SchemeFor(const Endpoint& endpoint) {
  if (endpoint.insecure && endpoint.scheme == "https") {
    MutexLock lock(&mu_);
    if (plain_http_.count(endpoint.host) > 0) return "http";
  }
  return endpoint.scheme;
}

void Context::MarkPlainHttp(const std::string& host) {
  MutexLock lock(&mu_);
  plain_http_.insert(host);
}

std::string Context::BaseUrl(const Endpoint& endpoint) {
  return str::Cat(SchemeFor(endpoint), "://", endpoint.host, endpoint.path);
}

namespace {

// Every challenge of every WWW-Authenticate header.
std::vector<Challenge> ChallengesOf(const HttpResponse& r) {
  std::vector<Challenge> out;
  for (const std::string& h : r.Headers("www-authenticate")) {
    std::vector<Challenge> cs = ParseWwwAuthenticate(h);
    out.insert(out.end(), cs.begin(), cs.end());
  }
  return out;
}

absl::StatusOr<HttpResponse> SendOnce(Context& ctx, const Endpoint& endpoint, HttpRequest& req,
                                      const std::string& path_or_url, bool absolute) {
  while (true) {
    const std::string scheme = ctx.SchemeFor(endpoint);
    req.url = absolute ? path_or_url : ctx.BaseUrl(endpoint) + path_or_url;
    if (endpoint.mirror) req.url = AddQuery(req.url, "ns=docker.io");
    absl::StatusOr<HttpResponse> r = ctx.transport().Do(req);
    // Insecure registries: HTTPS without verification first, then plain HTTP.
    if (!r.ok() && endpoint.insecure && scheme == "https" && !absolute &&
        IsTlsHandshakeFailure(r.status()) && !req.body_source) {
      ctx.MarkPlainHttp(endpoint.host);
      continue;
    }
    return r;
  }
}

}  // namespace

absl::StatusOr<HttpResponse> Send(Context& ctx, Authorizer& auth, const Endpoint& endpoint,
                                  std::vector<std::string> scopes, const Call& call) {
  RECLAIM_ASSIGN_OR_RETURN(TlsOptions tls, ctx.TlsFor(endpoint));
  std::string method = call.method;
  std::vector<Challenge> previous;
  for (int attempt = 0;; ++attempt) {
    HttpRequest req;
    req.method = method;
    req.headers = call.headers;
    req.body = call.body;
    req.body_source = call.body_source;
    req.body_size = call.body_size;
    req.on_headers = call.on_headers;
    req.on_body = call.on_body;
    req.max_body = call.max_body;
    req.tls = tls;
    RECLAIM_ASSIGN_OR_RETURN(std::string authorization, auth.Authorize(endpoint.host, scopes));
    if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
    const bool absolute = !call.url.empty();
    RECLAIM_ASSIGN_OR_RETURN(
        HttpResponse r, SendOnce(ctx, endpoint, req, absolute ? call.url : call.path, absolute));
    const bool can_retry = attempt < kMaxRetries && !call.body_source;
    if (r.status == 401 && can_retry) {
      std::vector<Challenge> challenges = ChallengesOf(r);
      for (const Challenge& c : challenges) {  // the registry may name more scopes
        const std::string named = c.Param("scope");
        for (std::string_view s : str::Split(named, " ", true)) {
          if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) {
            scopes.emplace_back(s);
          }
        }
      }
      const bool repeated = attempt > 0 && challenges == previous;
      RECLAIM_ASSIGN_OR_RETURN(bool retry, auth.HandleChallenge(endpoint.host, challenges, scopes,
                                                                authorization, repeated));
      if (!retry) return r;
      previous = std::move(challenges);
      continue;
    }
    if ((r.status == 408 || r.status == 429) && can_retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      continue;
    }
    if (r.status == 405 && method == "HEAD" && call.get_on_405 && can_retry) {
      method = "GET";
      continue;
    }
    return r;
  }
}

}  // namespace registry_internal
}  // namespace reclaim
