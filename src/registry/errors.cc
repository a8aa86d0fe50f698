#include "registry/errors.h"

#include <nlohmann/json.hpp>
#include <string>

#include "core/descriptor.h"
#include "registry/str.h"

namespace reclaim {
namespace {

absl::StatusCode CodeForErrorCode(std::string_view code, int http_status) {
  if (code == "BLOB_UNKNOWN" || code == "BLOB_UPLOAD_UNKNOWN" || code == "MANIFEST_UNKNOWN" ||
      code == "MANIFEST_BLOB_UNKNOWN" || code == "NAME_UNKNOWN") {
    return absl::StatusCode::kNotFound;
  }
  if (code == "UNAUTHORIZED") return absl::StatusCode::kUnauthenticated;
  if (code == "DENIED") return absl::StatusCode::kPermissionDenied;
  if (code == "TOOMANYREQUESTS") return absl::StatusCode::kResourceExhausted;
  if (code == "UNSUPPORTED") return absl::StatusCode::kUnimplemented;
  if (code == "BLOB_UPLOAD_INVALID" || code == "DIGEST_INVALID" || code == "MANIFEST_INVALID" ||
      code == "NAME_INVALID" || code == "SIZE_INVALID" || code == "TAG_INVALID" ||
      code == "MANIFEST_UNVERIFIED" || code == "RANGE_INVALID" ||
      code == "PAGINATION_NUMBER_INVALID") {
    return absl::StatusCode::kInvalidArgument;
  }
  return CodeForHttpStatus(http_status);
}

}  // namespace

std::string_view HttpReasonPhrase(int s) {
  switch (s) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 416: return "Requested Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

absl::StatusCode CodeForHttpStatus(int s) {
  switch (s) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405:
    case 501: return absl::StatusCode::kUnimplemented;
    case 408: return absl::StatusCode::kUnavailable;
    case 409: return absl::StatusCode::kAborted;
    case 416: return absl::StatusCode::kOutOfRange;
    case 429: return absl::StatusCode::kResourceExhausted;
    default: break;
  }
  if (s >= 500 && s <= 599) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kUnknown;
}

absl::Status RegistryErrorStatus(int http_status, std::string_view body, std::string_view method,
                                 std::string_view url) {
  absl::StatusOr<nlohmann::json> j = ParseJson(body);
  if (j.ok() && j->is_object()) {
    auto errs = j->find("errors");
    if (errs != j->end() && errs->is_array() && !errs->empty()) {
      std::string message;
      std::string first_code;
      for (const nlohmann::json& e : *errs) {
        if (!e.is_object()) continue;
        std::string code, text;
        if (auto c = e.find("code"); c != e.end() && c->is_string()) code = c->get<std::string>();
        if (auto m = e.find("message"); m != e.end() && m->is_string()) {
          text = m->get<std::string>();
        }
        if (code.empty() && text.empty()) continue;
        if (first_code.empty()) first_code = code.empty() ? "-" : code;
        if (!message.empty()) message += "; ";
        std::string rendered = str::Lower(str::ReplaceAll(code, '_', ' '));
        if (rendered.empty()) rendered = "unknown";
        str::CatTo(&message, rendered, ": ", text);
      }
      if (!message.empty()) {
        return absl::Status(CodeForErrorCode(first_code, http_status), message);
      }
    }
  }
  std::string reason(HttpReasonPhrase(http_status));
  return absl::Status(CodeForHttpStatus(http_status),
                      str::Cat("unexpected status from ", method, " request to ", url, ": ",
                                   http_status, reason.empty() ? "" : " ", reason));
}

}  // namespace reclaim
