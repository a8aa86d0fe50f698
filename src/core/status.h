// File: core/status.h
//
// reclaim's error vocabulary is absl::Status / absl::StatusOr. This header adds
// what Debian bookworm's abseil (20220623) lacks: propagation macros, plus the one
// mapping from status codes to HTTP statuses that the API layer uses.
//
//   RECLAIM_RETURN_IF_ERROR(store.Delete(name));
//   RECLAIM_ASSIGN_OR_RETURN(Digest d, Digest::Parse(text));
//
// Thread-safety: everything here is stateless.
#ifndef RECLAIM_CORE_STATUS_H_
#define RECLAIM_CORE_STATUS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RECLAIM_STATUS_CONCAT_INNER_(a, b) a##b
#define RECLAIM_STATUS_CONCAT_(a, b) RECLAIM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function
// when it is not OK.
#define RECLAIM_RETURN_IF_ERROR(expr)                                  \
  do {                                                                 \
    if (::absl::Status reclaim_status_ = (expr); !reclaim_status_.ok()) \
      return reclaim_status_;                                          \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else
// move-assigns the value to `lhs`, which may be a declaration (`auto x`).
#define RECLAIM_ASSIGN_OR_RETURN(lhs, rexpr) \
  RECLAIM_ASSIGN_OR_RETURN_IMPL_(RECLAIM_STATUS_CONCAT_(reclaim_statusor_, __LINE__), lhs, rexpr)

#define RECLAIM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

namespace reclaim {

// The single mapping from status codes to HTTP statuses (Docker's errdefs
// classes): InvalidArgument/OutOfRange 400, Unauthenticated 401,
// PermissionDenied 403, NotFound 404, AlreadyExists/Aborted/FailedPrecondition
// 409, Unimplemented 501, Unavailable 503, DeadlineExceeded 504 is not used by
// Docker (it answers 500), OK 200, everything else 500.
int HttpStatusFor(absl::StatusCode code);

// What an error message echoes of something a user sent (a reference, a
// name, a filter key): all of it up to 256 bytes, else its first 256 bytes
// and `... (N bytes)`, so a hostile megabyte is not sent back or logged.
std::string EchoInput(std::string_view input);

// Returns `status` with "context: " prepended to its message, keeping its code.
// An OK status is returned unchanged.
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace reclaim

#endif  // RECLAIM_CORE_STATUS_H_
