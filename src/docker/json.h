// File: docker/json.h
//
// JSON bodies as moby's httputils.WriteJSON writes them (specs/docker-api.md
// §1.7): Go's json.Encoder with SetEscapeHTML(false), so `<`, `>` and `&` stay
// as they are; compact; one trailing "\n". Like Go, U+2028 and U+2029 are
// escaped and invalid UTF-8 becomes U+FFFD. Keys keep insertion order
// (nlohmann::ordered_json), which is how the handlers reproduce moby's struct
// field order.
//
// The values moby's Go structs hold have shapes of their own, written here
// once: a []string is an array, or `null` when Go leaves it nil; a
// map[string]string is an object in key order; a time.Time is RFC 3339 with
// nanoseconds, Go's zero time when unset.
//
//   std::string body = EncodeJson(Json{{"message", "No such image: x:latest"}});
//   // {"message":"No such image: x:latest"}\n
//
// Thread-safety: pure functions.
#ifndef RECLAIM_DOCKER_JSON_H_
#define RECLAIM_DOCKER_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"

namespace reclaim {

using Json = nlohmann::ordered_json;

// The body, trailing newline included.
std::string EncodeJson(const Json& value);
// The same without the newline (one message of a JSON stream).
std::string EncodeJsonCompact(const Json& value);

// {"message":"<text>"}\n, moby's error body.
std::string ErrorJson(std::string_view message);

// A []string: always an array.
Json JsonStrings(const std::vector<std::string>& v);
// A []string Go leaves nil when empty: `null` then.
Json JsonStringsOrNull(const std::vector<std::string>& v);
// A map[string]string: an object, keys in sorted order.
Json JsonStringMap(const std::map<std::string, std::string>& m);

// Go's zero time.Time as encoding/json writes it.
inline constexpr char kGoZeroTime[] = "0001-01-01T00:00:00Z";
// A time.Time: RFC 3339 with nanoseconds (Go's RFC3339Nano), kGoZeroTime for nullopt.
std::string GoTimeJson(const std::optional<absl::Time>& t);

}  // namespace reclaim

#endif  // RECLAIM_DOCKER_JSON_H_
