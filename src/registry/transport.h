// File: registry/transport.h
//
// HTTP for the registry client: one request in, one response out, over
// libcurl. The client (registry/client.h) builds requests; this layer knows
// nothing of registries.
//
//   std::unique_ptr<HttpTransport> t = NewCurlTransport();
//   HttpRequest req;  req.method = "HEAD";  req.url = "https://reg/v2/";
//   RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, t->Do(req));
//
// What the curl transport does:
//  - HTTP/1.1, and HTTP/2 over TLS when the server offers it;
//  - TLS verified against the system CAs plus `tls.extra_ca_pem`, with an
//    optional client certificate; `tls.verify = false` skips verification
//    (insecure registries);
//  - proxies from the environment, as libcurl reads them (`http_proxy`,
//    `https_proxy`/`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`);
//  - redirects followed, at most `max_redirects` (10); one more is the error
//    `<Method> "<url>": stopped after 10 redirects` (Go's text). The request's
//    Authorization header is sent only to the original host, scheme and port,
//    never to a redirect target on another one (CDN blob redirects);
//  - no transparent decompression: bodies are the bytes the server sent, as
//    digests need;
//  - easy handles are pooled (keep-alive connections are reused); requests may
//    run concurrently from several threads.
//
// Bodies: a 2xx response body goes to `on_body` as it arrives when set (and
// the response's `body` stays empty); otherwise it is buffered, up to
// `max_body` bytes (more is the error "response body exceeds <n> bytes",
// FailedPrecondition). Non-2xx bodies are always buffered, truncated at 64 KiB,
// so the caller can read the registry's error JSON.
//
// Errors: a failure below HTTP is Unavailable `<Method> "<url>": <curl's
// text>` (DeadlineExceeded for timeouts); a TLS handshake failure also carries
// the payload kTlsFailurePayload (IsTlsHandshakeFailure), which the client
// uses for its plain-HTTP fallback. An error from `on_body` or `body_source`
// is returned as is.
//
// Thread-safety: HttpTransport implementations are safe for concurrent use.
#ifndef RECLAIM_REGISTRY_TRANSPORT_H_
#define RECLAIM_REGISTRY_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/fs.h"

namespace reclaim {

struct TlsOptions {
  bool verify = true;
  std::string extra_ca_pem;  // trusted in addition to the system CAs
  std::string client_cert_pem;
  std::string client_key_pem;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // The request body (POST, PUT, PATCH) when body_source is not set.
  std::string body;
  // A streamed request body of body_size bytes: fills up to `n` bytes of
  // `buf`, returns how many (0 = end).
  std::function<absl::StatusOr<size_t>(char* buf, size_t n)> body_source;
  int64_t body_size = -1;
  TlsOptions tls;
  // Called once with the status and headers of a 2xx answer before its first
  // body byte (not at all for an empty body); an error aborts the transfer.
  std::function<absl::Status(int status,
                             const std::vector<std::pair<std::string, std::string>>& headers)>
      on_headers;
  // Receives a 2xx body as it arrives (see the file comment).
  std::function<absl::Status(std::string_view)> on_body;
  size_t max_body = size_t{64} << 20;
};

struct HttpResponse {
  int status = 0;
  std::string url;  // the URL finally answered (after redirects)
  // The final response's headers, names lower-cased, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `name` (any case), or "".
  std::string Header(std::string_view name) const;
  // Every value of header `name`.
  std::vector<std::string> Headers(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  [[nodiscard]] virtual absl::StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::string user_agent = "reclaim/0.1";
  int max_redirects = 10;
  absl::Duration connect_timeout = absl::Seconds(30);
  // A transfer slower than 1 byte/s for this long is aborted.
  absl::Duration stall_timeout = absl::Seconds(60);
  size_t max_idle_handles = 8;
  // libcurl CURLOPT_RESOLVE entries, "host:port:address": pins names to
  // addresses (tests name a loopback TLS server by a DNS name).
  std::vector<std::string> resolve;
  // Where the system CA bundle is read from; nullptr = RealFs().
  Fs* fs = nullptr;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<HttpTransport>> NewCurlTransport(
    CurlTransportOptions options = {});

inline constexpr std::string_view kTlsFailurePayload = "reclaim.registry/tls-handshake";
bool IsTlsHandshakeFailure(const absl::Status& status);

// Go's rendering of a method in url.Error: "Get", "Head", "Post", ...
std::string GoMethodName(std::string_view method);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_TRANSPORT_H_
