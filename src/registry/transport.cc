#include "registry/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "platform/mutex.h"
#include "platform/posix_fs.h"
#include "registry/str.h"

namespace reclaim {
namespace {

constexpr size_t kMaxErrorBody = 64 << 10;

// State of one transfer, shared with the libcurl callbacks.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  bool follow = true;
  int current_status = 0;
  bool current_has_location = false;
  bool body_started = false;    // on_headers ran for the current response
  absl::Status callback_error;  // set when a callback aborted the transfer
  size_t buffered = 0;
};

bool IsRedirectStatus(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  line = str::TrimRight(line);
  if (str::StartsWith(line, "HTTP/")) {  // a new response (redirect, 100, final)
    t->response.headers.clear();
    t->body_started = false;
    t->current_status = 0;
    t->current_has_location = false;
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      int code = 0;
      if (str::ParseInt(line.substr(sp + 1, 3), &code)) t->current_status = code;
    }
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = str::Lower(line.substr(0, colon));
  std::string value(str::Trim(line.substr(colon + 1)));
  if (name == "location") t->current_has_location = true;
  t->response.headers.emplace_back(std::move(name), std::move(value));
  return len;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const int s = t->current_status;
  // The body of a redirect that is being followed is not the answer.
  if (t->follow && IsRedirectStatus(s) && t->current_has_location) return len;
  const bool ok = s >= 200 && s < 300;
  if (ok && !t->body_started) {
    t->body_started = true;
    if (t->request->on_headers) {
      absl::Status st = t->request->on_headers(s, t->response.headers);
      if (!st.ok()) {
        t->callback_error = std::move(st);
        return 0;
      }
    }
  }
  if (ok && t->request->on_body) {
    absl::Status st = t->request->on_body(std::string_view(data, len));
    if (!st.ok()) {
      t->callback_error = std::move(st);
      return 0;
    }
    return len;
  }
  if (!ok) {  // keep the start of an error body
    const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t->response.body.size());
    t->response.body.append(data, std::min(room, len));
    return len;
  }
  if (t->response.body.size() + len > t->request->max_body) {
    t->callback_error = absl::FailedPreconditionError(
        str::Cat("response body exceeds ", t->request->max_body, " bytes"));
    return 0;
  }
  t->response.body.append(data, len);
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  absl::StatusOr<size_t> got = t->request->body_source(buf, size * n);
  if (!got.ok()) {
    t->callback_error = got.status();
    return CURL_READFUNC_ABORT;
  }
  return std::min(*got, size * n);
}

bool IsTlsCode(CURLcode c) {
  return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_PEER_FAILED_VERIFICATION ||
         c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_CIPHER || c == CURLE_SSL_CACERT_BADFILE ||
         c == CURLE_SSL_ISSUER_ERROR || c == CURLE_SSL_INVALIDCERTSTATUS ||
         c == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    if (options_.fs == nullptr) options_.fs = &RealFs();
    for (const std::string& r : options_.resolve) resolve_ = curl_slist_append(resolve_, r.c_str());
  }

  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
    curl_slist_free_all(resolve_);
  }

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    CURL* h = Acquire();
    if (h == nullptr) return absl::InternalError("curl_easy_init failed");
    absl::StatusOr<HttpResponse> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    curl_easy_reset(h);  // keeps the connection cache
    MutexLock lock(&mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  // The system bundle (read once) followed by `extra`.
  absl::StatusOr<std::string> CaBundle(CURL* h, const std::string& extra) {
    std::call_once(system_ca_once_, [&] {
      char* path = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CAINFO, &path) == CURLE_OK && path != nullptr) {
        absl::StatusOr<std::string> pem = options_.fs->ReadFile(path);
        if (pem.ok()) system_ca_ = *std::move(pem);
      }
    });
    std::string out = system_ca_;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += extra;
    return out;
  }

  absl::StatusOr<HttpResponse> Perform(CURL* h, const HttpRequest& req) {
    Transfer t;
    t.request = &req;
    const std::string method = str::Upper(req.method);
    char errbuf[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
    curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(absl::ToInt64Seconds(options_.stall_timeout)));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    // 512 KiB reads instead of curl's 16 KiB: a layer pull made ~65k
    // recv/poll/write calls per GiB (bench/pull, docs/bench-pull.md).
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
    if (resolve_ != nullptr) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_);

    // TLS.
    std::string ca;
    if (!req.tls.verify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!req.tls.extra_ca_pem.empty()) {
      absl::StatusOr<std::string> bundle = CaBundle(h, req.tls.extra_ca_pem);
      if (!bundle.ok()) return bundle.status();
      ca = *std::move(bundle);
      curl_blob blob{ca.data(), ca.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!req.tls.client_cert_pem.empty()) {
      curl_blob cert{const_cast<char*>(req.tls.client_cert_pem.data()),
                     req.tls.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(req.tls.client_key_pem.data()), req.tls.client_key_pem.size(),
                    CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }

    // Method and body.
    if (method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req.body_source) {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnRead);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body_size));
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    } else {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }

    curl_slist* headers = nullptr;
    bool has_content_type = false;
    for (const auto& [name, value] : req.headers) {
      if (str::EqualsIgnoreCase(name, "content-type")) has_content_type = true;
      headers = curl_slist_append(headers, str::Cat(name, ": ", value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    if (!has_content_type && method != "GET" && method != "HEAD") {
      headers = curl_slist_append(headers, "Content-Type:");  // no form default
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    const CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

    if (!t.callback_error.ok()) return t.callback_error;
    if (rc != CURLE_OK) {
      const std::string prefix = str::Cat(GoMethodName(method), " \"", req.url, "\": ");
      if (rc == CURLE_TOO_MANY_REDIRECTS) {
        return absl::UnavailableError(
            str::Cat(prefix, "stopped after ", options_.max_redirects, " redirects"));
      }
      const std::string text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      if (rc == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(prefix + text);
      absl::Status st = absl::UnavailableError(prefix + text);
      if (IsTlsCode(rc))
        st.SetPayload(absl::string_view(kTlsFailurePayload.data(), kTlsFailurePayload.size()),
                      absl::Cord("1"));
      return st;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    t.response.status = static_cast<int>(code);
    char* effective = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
      t.response.url = effective;
    }
    return std::move(t.response);
  }

  CurlTransportOptions options_;
  curl_slist* resolve_ = nullptr;
  Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
  std::once_flag system_ca_once_;
  std::string system_ca_;
};

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (str::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (str::EqualsIgnoreCase(k, name)) out.push_back(v);
  }
  return out;
}

bool IsTlsHandshakeFailure(const absl::Status& status) {
  return status.GetPayload(absl::string_view(kTlsFailurePayload.data(), kTlsFailurePayload.size()))
      .has_value();
}

std::string GoMethodName(std::string_view method) {
  std::string out = str::Lower(method);
  if (!out.empty()) out[0] = str::UpperChar(out[0]);
  return out;
}

absl::StatusOr<std::unique_ptr<HttpTransport>> NewCurlTransport(CurlTransportOptions options) {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) {
    return absl::InternalError(str::Cat("curl_global_init: ", curl_easy_strerror(init)));
  }
  return std::unique_ptr<HttpTransport>(new CurlTransport(std::move(options)));
}

}  // namespace reclaim
