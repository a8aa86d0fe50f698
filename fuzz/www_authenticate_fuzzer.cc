// libFuzzer target for registry/www_authenticate and registry/token: feeds
// arbitrary bytes to ParseWwwAuthenticate and ParseTokenResponse and checks
// their invariants. Any violation aborts with a message naming it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "registry/token.h"
#include "registry/www_authenticate.h"

namespace {

void Check(bool ok, const char* invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "www-authenticate invariant violated: %s\ninput (%zu bytes): ", invariant,
               input.size());
  for (unsigned char c : input) std::fprintf(stderr, "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

bool IsLowerToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
    if (c <= ' ' || c == ',' || c == '"' || c == '=' || static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::vector<reclaim::Challenge> challenges = reclaim::ParseWwwAuthenticate(input);
  size_t produced = 0;
  for (const reclaim::Challenge& c : challenges) {
    Check(IsLowerToken(c.scheme), "schemes are non-empty lower-case tokens", input);
    produced += c.scheme.size();
    for (const auto& [name, value] : c.params) {
      Check(IsLowerToken(name), "parameter names are non-empty lower-case tokens", input);
      Check(c.Param(name) == value, "Param() finds every parameter", input);
      produced += name.size() + value.size();
    }
  }
  Check(produced <= input.size(), "output is never larger than the input", input);
  // Parsing is deterministic.
  Check(reclaim::ParseWwwAuthenticate(input) == challenges, "parsing is deterministic", input);

  const absl::Time now = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<reclaim::BearerToken> token = reclaim::ParseTokenResponse(input, now);
  if (token.ok()) {
    Check(!token->token.empty(), "a parsed token is never empty", input);
    Check(token->expires_at != absl::InfinitePast(), "expiry is a time", input);
  } else {
    Check(!token.status().message().empty(), "errors carry a message", input);
    Check(token.status().code() == absl::StatusCode::kInvalidArgument,
          "token errors are InvalidArgument", input);
  }
  return 0;
}
