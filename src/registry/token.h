// File: registry/token.h
//
// The answer of a registry's token server (distribution's token spec,
// docs/spec/auth/token.md and oauth.md): a JSON object with the bearer token
// under `token` or `access_token` (equivalent; `access_token` wins when both
// are given, as containerd does), its lifetime `expires_in` in seconds
// (default 60 when absent or not positive), the RFC 3339 `issued_at` time it
// counts from (default: now), and an optional `refresh_token`.
//
//   RECLAIM_ASSIGN_OR_RETURN(BearerToken t, ParseTokenResponse(body, clock.Now()));
//   if (clock.Now() < t.expires_at) use(t.token);
//
// Errors (InvalidArgument): "failed to decode token response: <why>" for
// invalid JSON, a non-object, or a field of the wrong type; "authorization
// server did not include a token in the response" (containerd's ErrNoToken)
// when both token fields are empty.
//
// The parser is a pure function over bytes (fuzzed by
// fuzz/www_authenticate_fuzzer.cc), with core/descriptor's JSON depth limit.
//
// Thread-safety: pure functions and value types only.
#ifndef RECLAIM_REGISTRY_TOKEN_H_
#define RECLAIM_REGISTRY_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace reclaim {

// Lifetime assumed when the server does not say (token.md: 60 seconds).
inline constexpr absl::Duration kDefaultTokenLifetime = absl::Seconds(60);

struct BearerToken {
  std::string token;
  std::string refresh_token;
  absl::Time expires_at;
};

[[nodiscard]] absl::StatusOr<BearerToken> ParseTokenResponse(std::string_view body, absl::Time now);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_TOKEN_H_
