// File: registry/session.h
//
// Internal to registry/: one registry request with everything around it that
// containerd's resolver does per request: the endpoint's TLS settings
// (certs.d, read once per host), the insecure HTTPS-then-HTTP fallback
// (remembered per host), the mirror namespace parameter, Authorization from
// the Authorizer, and the retries: up to 5 on 401 (after learning the
// challenge), 408 and 429, and HEAD -> GET on 405 when asked.
//
//   Call call;  call.method = "HEAD";  call.path = "/library/alpine/manifests/latest";
//   RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, Send(ctx, *ctx.authorizer, endpoint, scopes, call));
//
// Send returns whatever HTTP answer came last (the caller judges its status);
// only failures below HTTP, bad certs.d contents and authorization errors are
// errors.
//
// Thread-safety: Context is safe for concurrent use; Send may run on many
// threads at once.
#ifndef RECLAIM_REGISTRY_SESSION_H_
#define RECLAIM_REGISTRY_SESSION_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "platform/clock.h"
#include "platform/fs.h"
#include "platform/mutex.h"
#include "registry/authorizer.h"
#include "registry/certs_dir.h"
#include "registry/hosts.h"
#include "registry/transport.h"

namespace reclaim {
namespace registry_internal {

class Context {
 public:
  Context(std::shared_ptr<HttpTransport> transport, RegistryHosts hosts, Fs* fs,
          std::string certs_dir, const Clock* clock);

  HttpTransport& transport() { return *transport_; }
  const RegistryHosts& hosts() const { return hosts_; }
  const Clock& clock() const { return *clock_; }

  // TLS options for a request to `endpoint` (verified + certs.d, or unverified
  // for insecure endpoints).
  [[nodiscard]] absl::StatusOr<TlsOptions> TlsFor(const Endpoint& endpoint);
  // TLS options for any host by name (token servers): certs.d files, verified
  // unless the host is insecure. Errors reading certs.d give default options.
  TlsOptions TlsForHost(const std::string& host);

  // The scheme to use for `endpoint` now ("http" once HTTPS failed on an
  // insecure one).
  std::string SchemeFor(const Endpoint& endpoint);
  void MarkPlainHttp(const std::string& host);

  // The base URL of `endpoint` with the scheme in use.
  std::string BaseUrl(const Endpoint& endpoint);

 private:
  std::shared_ptr<HttpTransport> transport_;
  RegistryHosts hosts_;
  Fs* fs_;
  std::string certs_dir_;
  const Clock* clock_;
  Mutex mu_;
  std::map<std::string, TlsFiles> tls_files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> plain_http_ ABSL_GUARDED_BY(mu_);
};

struct Call {
  std::string method = "GET";
  // Path after the endpoint's base URL ("/<name>/manifests/<ref>"), or
  // `url` when that is set (absolute, e.g. an upload Location).
  std::string path;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::function<absl::StatusOr<size_t>(char*, size_t)> body_source;  // not retried
  int64_t body_size = -1;
  std::function<absl::Status(int, const std::vector<std::pair<std::string, std::string>>&)>
      on_headers;
  std::function<absl::Status(std::string_view)> on_body;
  size_t max_body = size_t{64} << 20;
  bool get_on_405 = false;  // retry a HEAD answered 405 as GET
};

inline constexpr int kMaxRetries = 5;

[[nodiscard]] absl::StatusOr<HttpResponse> Send(Context& ctx, Authorizer& auth,
                                                const Endpoint& endpoint,
                                                std::vector<std::string> scopes, const Call& call);

}  // namespace registry_internal
}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_SESSION_H_
