// File: registry/authorizer.h
//
// Registry authentication, as containerd's docker authorizer does it
// (specs/registry.md A2.2): the Authorization header for a request to a host,
// learnt from that host's 401 challenges.
//
//   Authorizer auth(&transport, &clock, credentials, tls_for);
//   RECLAIM_ASSIGN_OR_RETURN(std::string h, auth.Authorize("reg:5000", {"repository:a:pull"}));
//   ... 401 ...
//   RECLAIM_ASSIGN_OR_RETURN(bool retry, auth.HandleChallenge("reg:5000", challenges, scopes,
//                                                             sent_auth, repeated));
//
//  - Before any challenge a host gets no Authorization.
//  - `Basic` challenge with credentials: Basic on every later request to that
//    host. Without a username and password the challenge is not usable.
//  - `Bearer realm=...,service=...`: a token per (host, scope set), cached until
//    it expires by the injected clock. With a username and password: `POST
//    <realm>` form `grant_type=password`, `username`, `password`, `service`,
//    `scope` (space-joined), `client_id=reclaim`; with an identity token:
//    `grant_type=refresh_token`, `refresh_token`. On 404/401/400 (or 405 with
//    a username) it falls back to `GET <realm>?service=..&scope=..` with Basic
//    credentials. Without credentials: the anonymous GET. An AuthConfig's
//    `registrytoken` is used as the bearer token directly.
//  - A 401 after a request that carried a token drops that token; a challenge
//    with `error=` answering a request identical to the previous one fails with
//    "server message: <error>: authorization failed" (PermissionDenied for
//    insufficient_scope, else Unauthenticated), containerd's
//    ErrInvalidAuthorization.
//
// Token-server failures: "failed to fetch oauth token: <why>" (with
// credentials) or "failed to fetch anonymous token: <why>", Unauthenticated
// for 401/403 answers, else the HTTP status's code.
//
// Thread-safety: safe for concurrent use (token fetches run outside the lock;
// two threads may fetch the same token once each).
#ifndef RECLAIM_REGISTRY_AUTHORIZER_H_
#define RECLAIM_REGISTRY_AUTHORIZER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "platform/clock.h"
#include "platform/mutex.h"
#include "registry/auth_config.h"
#include "registry/token.h"
#include "registry/transport.h"
#include "registry/www_authenticate.h"

namespace reclaim {

// Credentials for a host (host[:port] as requests address it). Empty = none.
using CredentialsFn = std::function<AuthConfig(const std::string& host)>;
// TLS settings for requests to a token server at `host`.
using TlsForHostFn = std::function<TlsOptions(const std::string& host)>;

inline constexpr std::string_view kTokenClientId = "reclaim";

// "repository:<name>:pull" or "repository:<name>:pull,push".
std::string RepositoryScope(std::string_view name, bool push);

class Authorizer {
 public:
  // `transport` and `clock` must outlive the Authorizer. Null functions mean
  // "no credentials" / default TLS.
  Authorizer(HttpTransport* transport, const Clock* clock, CredentialsFn credentials,
             TlsForHostFn tls_for = nullptr);

  // The Authorization header value for a request to `host` needing `scopes`
  // ("" when the host has not challenged). May fetch a bearer token.
  [[nodiscard]] absl::StatusOr<std::string> Authorize(const std::string& host,
                                                      const std::vector<std::string>& scopes);

  // Learns from a 401 answer to a request to `host`. `sent_authorization` is
  // what that request carried; `repeated` is true when the same request got
  // the same challenges just before. Returns true when the request should be
  // retried, false when no challenge is usable (the caller reports the 401).
  [[nodiscard]] absl::StatusOr<bool> HandleChallenge(const std::string& host,
                                                     const std::vector<Challenge>& challenges,
                                                     const std::vector<std::string>& scopes,
                                                     const std::string& sent_authorization,
                                                     bool repeated);

 private:
  struct Handler {
    std::string scheme;  // "basic" or "bearer"
    std::string realm;
    std::string service;
  };
  absl::StatusOr<BearerToken> FetchToken(const Handler& h, const AuthConfig& creds,
                                         const std::vector<std::string>& scopes);
  absl::StatusOr<BearerToken> FetchTokenPost(const Handler& h, const AuthConfig& creds,
                                             const std::vector<std::string>& scopes, int* status);
  absl::StatusOr<BearerToken> FetchTokenGet(const Handler& h, const AuthConfig& creds,
                                            const std::vector<std::string>& scopes);
  TlsOptions TlsForUrl(const std::string& url) const;
  AuthConfig CredentialsFor(const std::string& host) const;

  HttpTransport* const transport_;
  const Clock* const clock_;
  CredentialsFn credentials_;
  TlsForHostFn tls_for_;

  mutable Mutex mu_;
  std::map<std::string, Handler> handlers_ ABSL_GUARDED_BY(mu_);  // by host
  // (host, "scope scope ...") -> token
  std::map<std::pair<std::string, std::string>, BearerToken> tokens_ ABSL_GUARDED_BY(mu_);
};

// Joins scopes for caching and for the form: sorted, duplicates removed,
// space-separated.
std::string JoinScopes(std::vector<std::string> scopes);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_AUTHORIZER_H_
