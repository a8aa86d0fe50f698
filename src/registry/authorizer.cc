#include "registry/authorizer.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "core/status.h"
#include "registry/errors.h"
#include "registry/str.h"
#include "registry/url.h"

namespace reclaim {
namespace {

std::string BasicHeader(const AuthConfig& c) {
  return "Basic " + absl::Base64Escape(str::Cat(c.username, ":", c.password));
}

bool HasPassword(const AuthConfig& c) { return !c.username.empty() && !c.password.empty(); }

absl::Status TokenServerError(const HttpResponse& r, std::string_view method,
                              const std::string& url) {
  absl::Status st = RegistryErrorStatus(r.status, r.body, method, url);
  if (r.status == 401 || r.status == 403) {
    return absl::UnauthenticatedError(st.message());
  }
  return st;
}

}  // namespace

std::string RepositoryScope(std::string_view name, bool push) {
  return str::Cat("repository:", name, push ? ":pull,push" : ":pull");
}

std::string JoinScopes(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  scopes.erase(std::remove(scopes.begin(), scopes.end(), std::string()), scopes.end());
  return str::Join(scopes, " ");
}

Authorizer::Authorizer(HttpTransport* transport, const Clock* clock, CredentialsFn credentials,
                       TlsForHostFn tls_for)
    : transport_(transport),
      clock_(clock),
      credentials_(std::move(credentials)),
      tls_for_(std::move(tls_for)) {}

AuthConfig Authorizer::CredentialsFor(const std::string& host) const {
  return credentials_ ? credentials_(host) : AuthConfig{};
}

TlsOptions Authorizer::TlsForUrl(const std::string& url) const {
  return tls_for_ ? tls_for_(UrlHost(url)) : TlsOptions{};
}

absl::StatusOr<std::string> Authorizer::Authorize(const std::string& host,
                                                  const std::vector<std::string>& scopes) {
  Handler handler;
  const std::string scope_key = JoinScopes(scopes);
  {
    ReaderMutexLock lock(&mu_);
    auto it = handlers_.find(host);
    if (it == handlers_.end()) return std::string();
    handler = it->second;
    if (handler.scheme == "bearer") {
      auto tok = tokens_.find({host, scope_key});
      if (tok != tokens_.end() && clock_->Now() < tok->second.expires_at) {
        return "Bearer " + tok->second.token;
      }
    }
  }
  const AuthConfig creds = CredentialsFor(host);
  if (handler.scheme == "basic") return BasicHeader(creds);
  if (!creds.registry_token.empty()) return "Bearer " + creds.registry_token;
  RECLAIM_ASSIGN_OR_RETURN(BearerToken token, FetchToken(handler, creds, scopes));
  {
    MutexLock lock(&mu_);
    tokens_[{host, scope_key}] = token;
  }
  return "Bearer " + token.token;
}

absl::StatusOr<bool> Authorizer::HandleChallenge(const std::string& host,
                                                 const std::vector<Challenge>& challenges,
                                                 const std::vector<std::string>& scopes,
                                                 const std::string& sent_authorization,
                                                 bool repeated) {
  const AuthConfig creds = CredentialsFor(host);
  for (const Challenge& c : challenges) {
    if (c.scheme == "bearer") {
      const std::string error = c.Param("error");
      if (!error.empty() && repeated) {
        MutexLock lock(&mu_);
        handlers_.erase(host);
        const std::string message = str::Cat("server message: ", error, ": authorization failed");
        return error == "insufficient_scope" ? absl::PermissionDeniedError(message)
                                             : absl::UnauthenticatedError(message);
      }
      if (c.Param("realm").empty()) continue;
      MutexLock lock(&mu_);
      if (!sent_authorization.empty()) tokens_.erase({host, JoinScopes(scopes)});
      handlers_[host] = Handler{"bearer", c.Param("realm"), c.Param("service")};
      return true;
    }
    if (c.scheme == "basic" && HasPassword(creds)) {
      // Basic credentials that were sent and refused will not improve.
      if (str::StartsWith(sent_authorization, "Basic ")) return false;
      MutexLock lock(&mu_);
      handlers_[host] = Handler{"basic", c.Param("realm"), ""};
      return true;
    }
  }
  return false;
}

absl::StatusOr<BearerToken> Authorizer::FetchToken(const Handler& h, const AuthConfig& creds,
                                                   const std::vector<std::string>& scopes) {
  if (!creds.identity_token.empty() || HasPassword(creds)) {
    int status = 0;
    absl::StatusOr<BearerToken> t = FetchTokenPost(h, creds, scopes, &status);
    if (!t.ok() && (status == 404 || status == 401 || status == 400 ||
                    (status == 405 && !creds.username.empty()))) {
      t = FetchTokenGet(h, creds, scopes);
    }
    if (!t.ok()) return Annotate(t.status(), "failed to fetch oauth token");
    return t;
  }
  absl::StatusOr<BearerToken> t = FetchTokenGet(h, creds, scopes);
  if (!t.ok()) return Annotate(t.status(), "failed to fetch anonymous token");
  return t;
}

absl::StatusOr<BearerToken> Authorizer::FetchTokenPost(const Handler& h, const AuthConfig& creds,
                                                       const std::vector<std::string>& scopes,
                                                       int* status) {
  std::vector<std::pair<std::string, std::string>> form;
  const std::string scope = JoinScopes(scopes);
  if (!scope.empty()) form.emplace_back("scope", scope);
  form.emplace_back("service", h.service);
  form.emplace_back("client_id", std::string(kTokenClientId));
  if (creds.username.empty() || !creds.identity_token.empty()) {
    form.emplace_back("grant_type", "refresh_token");
    form.emplace_back("refresh_token", creds.identity_token);
  } else {
    form.emplace_back("grant_type", "password");
    form.emplace_back("username", creds.username);
    form.emplace_back("password", creds.password);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = h.realm;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = EncodeQuery(std::move(form));
  req.tls = TlsForUrl(h.realm);
  req.max_body = 1 << 20;
  RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do(req));
  *status = r.status;
  if (r.status < 200 || r.status >= 300) return TokenServerError(r, "POST", h.realm);
  return ParseTokenResponse(r.body, clock_->Now());
}

absl::StatusOr<BearerToken> Authorizer::FetchTokenGet(const Handler& h, const AuthConfig& creds,
                                                      const std::vector<std::string>& scopes) {
  std::vector<std::pair<std::string, std::string>> query;
  if (!h.service.empty()) query.emplace_back("service", h.service);
  const std::string joined = JoinScopes(scopes);
  for (std::string_view s : str::Split(joined, " ", true)) {
    query.emplace_back("scope", std::string(s));
  }
  HttpRequest req;
  req.method = "GET";
  req.url = AddQuery(h.realm, EncodeQuery(std::move(query)));
  if (HasPassword(creds)) req.headers.emplace_back("Authorization", BasicHeader(creds));
  req.tls = TlsForUrl(h.realm);
  req.max_body = 1 << 20;
  RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do(req));
  if (r.status < 200 || r.status >= 300) return TokenServerError(r, "GET", req.url);
  return ParseTokenResponse(r.body, clock_->Now());
}

}  // namespace reclaim
