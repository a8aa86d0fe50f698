#include "registry/token.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/descriptor.h"
#include "core/status.h"

namespace reclaim {
namespace {

absl::Status DecodeError(std::string_view why) {
  return absl::InvalidArgumentError(std::string("failed to decode token response: ") +
                                    std::string(why));
}

absl::StatusOr<std::string> StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return DecodeError(std::string(name) + " is not a string");
  return it->get<std::string>();
}

}  // namespace

absl::StatusOr<BearerToken> ParseTokenResponse(std::string_view body, absl::Time now) {
  absl::StatusOr<nlohmann::json> parsed = ParseJson(body);
  if (!parsed.ok()) return DecodeError(std::string(parsed.status().message()));
  const nlohmann::json& j = *parsed;
  if (!j.is_object()) return DecodeError("not a JSON object");

  BearerToken out;
  RECLAIM_ASSIGN_OR_RETURN(std::string token, StringField(j, "token"));
  RECLAIM_ASSIGN_OR_RETURN(std::string access_token, StringField(j, "access_token"));
  RECLAIM_ASSIGN_OR_RETURN(out.refresh_token, StringField(j, "refresh_token"));
  out.token = access_token.empty() ? std::move(token) : std::move(access_token);
  if (out.token.empty()) {
    return absl::InvalidArgumentError(
        "authorization server did not include a token in the response");
  }

  absl::Duration lifetime = kDefaultTokenLifetime;
  if (auto it = j.find("expires_in"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return DecodeError("expires_in is not an integer");
    // Clamp before converting: a hostile value must not overflow the time.
    constexpr int64_t kMaxSeconds = int64_t{1} << 40;
    int64_t seconds = 0;
    if (it->is_number_unsigned()) {
      const uint64_t u = it->get<uint64_t>();
      seconds = u > static_cast<uint64_t>(kMaxSeconds) ? kMaxSeconds : static_cast<int64_t>(u);
    } else {
      seconds = it->get<int64_t>();
    }
    if (seconds > 0) lifetime = absl::Seconds(seconds);
  }

  absl::Time issued = now;
  RECLAIM_ASSIGN_OR_RETURN(std::string issued_at, StringField(j, "issued_at"));
  if (!issued_at.empty()) {
    std::string err;
    absl::Time t;
    if (!absl::ParseTime(absl::RFC3339_full, issued_at, &t, &err)) {
      return DecodeError("issued_at is not an RFC 3339 time");
    }
    issued = t;
  }
  out.expires_at = issued + lifetime;
  return out;
}

}  // namespace reclaim
