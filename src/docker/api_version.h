// File: docker/api_version.h
//
// Docker Engine API versions (specs/docker-api.md §1.2, §2). reclaim serves
// versions kMinApiVersion to kMaxApiVersion; a request path without a
// `/v<major.minor>` prefix means kMaxApiVersion. Versions compare the way
// moby's api/types/versions does: dot-separated integer components, a missing
// or non-numeric component counting as 0 ("1.5" < "1.24" == "1.24.0").
//
// Thread-safety: constants and pure functions.
#ifndef RECLAIM_DOCKER_API_VERSION_H_
#define RECLAIM_DOCKER_API_VERSION_H_

#include <string_view>

namespace reclaim {

// The version reclaim speaks (docker 28.2.2's API) and sends in `Api-Version`.
inline constexpr std::string_view kMaxApiVersion = "1.50";
// moby's minimum: older clients get 400 `client version X is too old ...`.
inline constexpr std::string_view kMinApiVersion = "1.24";

// -1, 0 or 1 as a is lower than, equal to or greater than b (moby's compare).
int CompareApiVersions(std::string_view a, std::string_view b);

inline bool ApiVersionLessThan(std::string_view a, std::string_view b) {
  return CompareApiVersions(a, b) < 0;
}
inline bool ApiVersionAtLeast(std::string_view a, std::string_view b) {
  return CompareApiVersions(a, b) >= 0;
}

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_API_VERSION_H_
