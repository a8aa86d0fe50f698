// File: core/path_match.h
//
// Go's path.Match: shell patterns over slash-separated names, as
// distribution/reference.FamiliarMatch applies them to image references (the
// `reference` filter of `docker image ls`, prune.md). The syntax:
//
//   *            any run of characters except `/` (possibly empty)
//   ?            one character (one UTF-8 rune, or one invalid byte) except `/`
//   [ranges]     one rune in a class; [^ranges] one rune not in it; a class
//                must hold at least one range; `/` is an ordinary rune here
//   \c           c itself, outside and inside classes
//   c            the byte c itself, for any other c
//
// where a range is `c` or `lo-hi` (runes; `\` escapes `-`, `]` and `\`). The
// whole name must match. A malformed pattern is InvalidArgument with Go's
// ErrBadPattern text "syntax error in pattern": an unterminated class (`[`,
// `a[`, `[a`, `[a-`), an empty class (`[]a]`, `[^]`), a bare `-` or `]` where a
// range must start or end (`[-]`, `[x-]`, `[a-]]`), invalid UTF-8 in a class,
// a trailing `\` (`a\`, `[\`). As in Go, a malformed pattern is an error
// whatever the name: when a match fails, the rest of the pattern is still
// checked.
//
//   RECLAIM_ASSIGN_OR_RETURN(bool m, PathMatch("library/*", "library/alpine"));
//
// Thread-safety: pure function.
#ifndef RECLAIM_CORE_PATH_MATCH_H_
#define RECLAIM_CORE_PATH_MATCH_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace reclaim {

// path.ErrBadPattern's text.
inline constexpr std::string_view kErrBadPattern = "syntax error in pattern";

// path.Match(pattern, name).
[[nodiscard]] absl::StatusOr<bool> PathMatch(std::string_view pattern, std::string_view name);

}  // namespace reclaim

#endif  // RECLAIM_CORE_PATH_MATCH_H_
