#include "core/path_match.h"

#include <optional>

#include "absl/status/status.h"
#include "core/status.h"
#include "core/utf8.h"

namespace reclaim {
namespace {

absl::Status BadPattern() { return absl::InvalidArgumentError(std::string(kErrBadPattern)); }

// A pattern is a sequence of chunks: an optional run of stars, then the
// characters up to the next star that is neither escaped nor inside a class.
struct Chunk {
  bool star = false;
  std::string_view body;
};

Chunk NextChunk(std::string_view& pattern) {
  Chunk c;
  while (!pattern.empty() && pattern[0] == '*') {
    c.star = true;
    pattern.remove_prefix(1);
  }
  bool in_class = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const char ch = pattern[i];
    if (ch == '\\') {
      if (i + 1 < pattern.size()) ++i;  // a trailing `\` is reported by MatchChunk
    } else if (ch == '[') {
      in_class = true;
    } else if (ch == ']') {
      in_class = false;
    } else if (ch == '*' && !in_class) {
      break;
    }
  }
  c.body = pattern.substr(0, i);
  pattern.remove_prefix(i);
  return c;
}

// One rune of a class range, after an optional `\`; the class must go on
// after it (at least its closing `]`).
absl::StatusOr<char32_t> ClassRune(std::string_view& body) {
  if (body.empty() || body[0] == '-' || body[0] == ']') return BadPattern();
  if (body[0] == '\\') {
    body.remove_prefix(1);
    if (body.empty()) return BadPattern();
  }
  const utf8::DecodedRune d = utf8::DecodeRune(body);
  if (d.invalid()) return BadPattern();
  body.remove_prefix(d.width);
  if (body.empty()) return BadPattern();
  return d.rune;
}

// Matches `body` (no stars) against the start of `name`. Returns the rest of
// the name on a match, nullopt otherwise. The whole body is parsed even after
// a mismatch, so a malformed body is always an error.
absl::StatusOr<std::optional<std::string_view>> MatchChunk(std::string_view body,
                                                           std::string_view name) {
  bool failed = false;
  while (!body.empty()) {
    if (name.empty()) failed = true;
    switch (body[0]) {
      case '[': {
        char32_t r = 0;
        if (!failed) {
          const utf8::DecodedRune d = utf8::DecodeRune(name);
          r = d.rune;
          name.remove_prefix(d.width);
        }
        body.remove_prefix(1);
        bool negated = false;
        if (!body.empty() && body[0] == '^') {
          negated = true;
          body.remove_prefix(1);
        }
        bool in_class = false;
        for (int ranges = 0;; ++ranges) {
          if (ranges > 0 && !body.empty() && body[0] == ']') {
            body.remove_prefix(1);
            break;
          }
          RECLAIM_ASSIGN_OR_RETURN(const char32_t lo, ClassRune(body));
          char32_t hi = lo;
          if (body[0] == '-') {
            body.remove_prefix(1);
            RECLAIM_ASSIGN_OR_RETURN(hi, ClassRune(body));
          }
          if (lo <= r && r <= hi) in_class = true;
        }
        if (in_class == negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (name[0] == '/') failed = true;
          name.remove_prefix(utf8::DecodeRune(name).width);
        }
        body.remove_prefix(1);
        break;
      case '\\':
        body.remove_prefix(1);
        if (body.empty()) return BadPattern();
        [[fallthrough]];
      default:
        if (!failed) {
          if (body[0] != name[0]) failed = true;
          name.remove_prefix(1);
        }
        body.remove_prefix(1);
        break;
    }
  }
  if (failed) return std::optional<std::string_view>();
  return std::optional<std::string_view>(name);
}

}  // namespace

absl::StatusOr<bool> PathMatch(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    const Chunk chunk = NextChunk(pattern);
    if (chunk.star && chunk.body.empty()) {
      // A trailing star takes the rest of the name, unless it holds a `/`.
      return name.find('/') == std::string_view::npos;
    }
    // The last chunk must consume the whole name; an earlier one may leave a
    // rest for the chunks after it.
    const auto fits = [&pattern](const std::optional<std::string_view>& rest) {
      return rest.has_value() && (rest->empty() || !pattern.empty());
    };
    RECLAIM_ASSIGN_OR_RETURN(std::optional<std::string_view> rest, MatchChunk(chunk.body, name));
    bool matched = fits(rest);
    // After a star, retry the chunk further along, the star taking one more
    // byte each time (never a `/`).
    for (size_t skip = 0; !matched && chunk.star && skip < name.size() && name[skip] != '/';
         ++skip) {
      RECLAIM_ASSIGN_OR_RETURN(rest, MatchChunk(chunk.body, name.substr(skip + 1)));
      matched = fits(rest);
    }
    if (!matched) {
      // No match; still report a malformed rest of the pattern.
      while (!pattern.empty()) {
        RECLAIM_RETURN_IF_ERROR(MatchChunk(NextChunk(pattern).body, "").status());
      }
      return false;
    }
    name = *rest;
  }
  return name.empty();
}

}  // namespace reclaim
