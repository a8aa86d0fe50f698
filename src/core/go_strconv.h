// File: core/go_strconv.h
//
// The parts of Go's strconv package whose output reaches users: Docker's
// messages quote values with %q (strconv.Quote) and its `until` filter reports
// strconv.ParseInt's errors, so reclaim must produce the same bytes:
//
//   strconv::Quote("a\tb\xff")   // "\"a\\tb\\xff\""
//   strconv::QuoteRune('\n')     // "'\\n'"
//   strconv::ParseInt64("12x")   // InvalidArgument
//                                //   `strconv.ParseInt: parsing "12x": invalid syntax`
//
// Quoting escapes `\` and the quote character; writes \a \b \f \n \r \t \v;
// writes any other byte that is not part of valid UTF-8 as \xNN (lowercase
// hex); writes a non-printable rune below U+0020 or DEL as \xNN, other
// non-printable runes as \uNNNN or \UNNNNNNNN; copies printable runes as they
// are. "Printable" is Go's strconv.IsPrint: letters, marks, numbers,
// punctuation, symbols and the ASCII space, from a Unicode 15.0.0 table (the
// edition of Go 1.21 onwards). A rune whose category changed in a later
// Unicode edition may therefore quote differently from a newer Go; no other
// approximation is made.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_CORE_GO_STRCONV_H_
#define RECLAIM_CORE_GO_STRCONV_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace reclaim::strconv {

// strconv.ErrSyntax and strconv.ErrRange texts.
inline constexpr std::string_view kErrSyntax = "invalid syntax";
inline constexpr std::string_view kErrRange = "value out of range";

// strconv.IsPrint.
bool IsPrint(char32_t r);

// strconv.Quote: `s` as a double-quoted Go string literal (fmt's %q of a string).
std::string Quote(std::string_view s);

// strconv.QuoteRune: `r` as a single-quoted Go rune literal (fmt's %q of a
// rune); an invalid rune quotes as U+FFFD.
std::string QuoteRune(char32_t r);

// strconv.ParseInt(s, 10, 64): an optional sign then decimal digits only (no
// spaces, no underscores). Digits are read left to right and the first problem
// wins: "99999999999999999999x" is out of range, "9x" is a syntax error.
// InvalidArgument `strconv.ParseInt: parsing "<s>": invalid syntax`, or
// OutOfRange `strconv.ParseInt: parsing "<s>": value out of range`, with `s`
// quoted by Quote.
[[nodiscard]] absl::StatusOr<int64_t> ParseInt64(std::string_view s);

}  // namespace reclaim::strconv

#endif  // RECLAIM_CORE_GO_STRCONV_H_
