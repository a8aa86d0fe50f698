// File: registry/errors.h
//
// A registry's failure answers as absl statuses. The distribution spec's error
// body `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown",
// "detail":...}]}` becomes a status whose message is containerd's rendering,
// `<code lower-cased, '_' as ' '>: <message>` ("manifest unknown: manifest
// unknown"; several errors are joined with "; "), and whose code follows the
// first error's code:
//
//   BLOB_UNKNOWN, BLOB_UPLOAD_UNKNOWN, MANIFEST_UNKNOWN, MANIFEST_BLOB_UNKNOWN,
//   NAME_UNKNOWN                                   -> NotFound
//   UNAUTHORIZED                                   -> Unauthenticated
//   DENIED                                         -> PermissionDenied
//   TOOMANYREQUESTS                                -> ResourceExhausted
//   UNSUPPORTED                                    -> Unimplemented
//   BLOB_UPLOAD_INVALID, DIGEST_INVALID, MANIFEST_INVALID, NAME_INVALID,
//   SIZE_INVALID, TAG_INVALID, MANIFEST_UNVERIFIED, RANGE_INVALID,
//   PAGINATION_NUMBER_INVALID                      -> InvalidArgument
//   any other code                                 -> from the HTTP status
//
// Without a parseable body the message is containerd's
// "unexpected status from <METHOD> request to <url>: <status> <reason>" and the
// code comes from the HTTP status: 400 InvalidArgument, 401 Unauthenticated,
// 403 PermissionDenied, 404 NotFound, 405/501 Unimplemented, 408 and 5xx
// Unavailable, 409 Aborted, 416 OutOfRange, 429 ResourceExhausted, else Unknown.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_REGISTRY_ERRORS_H_
#define RECLAIM_REGISTRY_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"

namespace reclaim {

// The status for an HTTP answer `http_status` (>= 300) with `body` to
// `method` on `url`.
absl::Status RegistryErrorStatus(int http_status, std::string_view body, std::string_view method,
                                 std::string_view url);

// The status code an HTTP status maps to when the body says nothing.
absl::StatusCode CodeForHttpStatus(int http_status);

// The standard reason phrase ("Not Found"), or "" for an unknown status.
std::string_view HttpReasonPhrase(int http_status);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_ERRORS_H_
