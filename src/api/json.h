// File: api/json.h
//
// JSON bodies as moby's httputils.WriteJSON writes them (specs/docker-api.md
// §1.7): Go's json.Encoder with SetEscapeHTML(false), so `<`, `>` and `&` stay
// as they are; compact; one trailing "\n". Like Go, U+2028 and U+2029 are
// escaped and invalid UTF-8 becomes U+FFFD. Keys keep insertion order
// (nlohmann::ordered_json), which is how the handlers reproduce moby's struct
// field order.
//
//   std::string body = EncodeJson(Json{{"message", "No such image: x:latest"}});
//   // {"message":"No such image: x:latest"}\n
//
// Thread-safety: pure functions.
#ifndef RECLAIM_API_JSON_H_
#define RECLAIM_API_JSON_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reclaim {

using Json = nlohmann::ordered_json;

// The body, trailing newline included.
std::string EncodeJson(const Json& value);
// The same without the newline (one message of a JSON stream).
std::string EncodeJsonCompact(const Json& value);

// {"message":"<text>"}\n, moby's error body.
std::string ErrorJson(std::string_view message);

}  // namespace reclaim

#endif  // RECLAIM_API_JSON_H_
