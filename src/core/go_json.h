// File: core/go_json.h
//
// Strings encoded exactly as Go's encoding/json writes them, for output that must
// be byte-identical to Docker's (manifests whose digests must match, API bodies,
// filter query strings): `"`, `\` and control characters escaped (\b \f \n \r \t,
// else \u00XX), invalid UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped, and
// `<`, `>`, `&` escaped as \u003c, \u003e, \u0026 unless HTML escaping is off (moby's
// WriteJSON turns it off; json.Marshal keeps it on).
//
// Thread-safety: pure functions.
#ifndef RECLAIM_CORE_GO_JSON_H_
#define RECLAIM_CORE_GO_JSON_H_

#include <string>
#include <string_view>

namespace reclaim {

enum class GoHtmlEscape { kOn, kOff };

// Appends the quoted, escaped form of `s` to `out`.
void AppendGoJsonQuoted(std::string_view s, GoHtmlEscape html, std::string* out);

// The quoted, escaped form of `s`.
std::string GoJsonQuoted(std::string_view s, GoHtmlEscape html = GoHtmlEscape::kOn);

}  // namespace reclaim

#endif  // RECLAIM_CORE_GO_JSON_H_
