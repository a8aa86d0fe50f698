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

namespace {

// Each HTTP status the registry flow meets: its reason phrase and the code it
// maps to when the body says nothing (Unknown for the non-error ones: an error
// status is only built from an answer that was not expected).
struct HttpStatusInfo {
  int status;
  std::string_view reason;
  absl::StatusCode code;
};
constexpr HttpStatusInfo kHttpStatuses[] = {
    {200, "OK", absl::StatusCode::kUnknown},
    {201, "Created", absl::StatusCode::kUnknown},
    {202, "Accepted", absl::StatusCode::kUnknown},
    {204, "No Content", absl::StatusCode::kUnknown},
    {206, "Partial Content", absl::StatusCode::kUnknown},
    {301, "Moved Permanently", absl::StatusCode::kUnknown},
    {302, "Found", absl::StatusCode::kUnknown},
    {303, "See Other", absl::StatusCode::kUnknown},
    {307, "Temporary Redirect", absl::StatusCode::kUnknown},
    {308, "Permanent Redirect", absl::StatusCode::kUnknown},
    {400, "Bad Request", absl::StatusCode::kInvalidArgument},
    {401, "Unauthorized", absl::StatusCode::kUnauthenticated},
    {403, "Forbidden", absl::StatusCode::kPermissionDenied},
    {404, "Not Found", absl::StatusCode::kNotFound},
    {405, "Method Not Allowed", absl::StatusCode::kUnimplemented},
    {408, "Request Timeout", absl::StatusCode::kUnavailable},
    {409, "Conflict", absl::StatusCode::kAborted},
    {413, "Request Entity Too Large", absl::StatusCode::kUnknown},
    {416, "Requested Range Not Satisfiable", absl::StatusCode::kOutOfRange},
    {429, "Too Many Requests", absl::StatusCode::kResourceExhausted},
    {500, "Internal Server Error", absl::StatusCode::kUnavailable},
    {501, "Not Implemented", absl::StatusCode::kUnimplemented},
    {502, "Bad Gateway", absl::StatusCode::kUnavailable},
    {503, "Service Unavailable", absl::StatusCode::kUnavailable},
    {504, "Gateway Timeout", absl::StatusCode::kUnavailable},
};

const HttpStatusInfo* FindHttpStatus(int s) {
  for (const HttpStatusInfo& info : kHttpStatuses) {
    if (info.status == s) return &info;
  }
  return nullptr;
}

}  // namespace

std::string_view HttpReasonPhrase(int s) {
  const HttpStatusInfo* info = FindHttpStatus(s);
  return info == nullptr ? "" : info->reason;
}

absl::StatusCode CodeForHttpStatus(int s) {
  if (const HttpStatusInfo* info = FindHttpStatus(s); info != nullptr) return info->code;
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
