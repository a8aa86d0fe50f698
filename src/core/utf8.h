// File: core/utf8.h
//
// UTF-8 exactly as Go's unicode/utf8 reads it. Docker's behaviour on odd bytes
// (what a filter value, a reference or an error message becomes) follows from
// this one decoder, so every port of a Go function that walks runes uses it:
//
//   for (std::string_view rest = s; !rest.empty();) {
//     const utf8::DecodedRune d = utf8::DecodeRune(rest);
//     if (d.invalid()) { /* one stray byte, decoded as U+FFFD */ }
//     rest.remove_prefix(d.width);
//   }
//
// A sequence is valid when it is the shortest encoding of a code point in
// U+0000..U+10FFFF that is not a surrogate (U+D800..U+DFFF). Anything else —
// a stray continuation byte, a lead byte C0, C1 or F5..FF, an overlong form, a
// surrogate, a truncated sequence — decodes as (U+FFFD, width 1), so decoding
// always makes progress and resynchronises on the next byte, as Go does.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_CORE_UTF8_H_
#define RECLAIM_CORE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace reclaim::utf8 {

inline constexpr char32_t kRuneError = 0xFFFD;  // utf8.RuneError
inline constexpr char32_t kMaxRune = 0x10FFFF;  // utf8.MaxRune
inline constexpr char32_t kRuneSelf = 0x80;     // below this a rune is one byte

struct DecodedRune {
  char32_t rune = kRuneError;
  size_t width = 0;  // bytes consumed: 1..4, 0 only for empty input

  // Go's `r == utf8.RuneError && size == 1`: an undecodable byte, as opposed
  // to a correctly encoded U+FFFD (width 3).
  bool invalid() const { return rune == kRuneError && width == 1; }
};

// utf8.DecodeRuneInString: the first rune of `s` and its width;
// (kRuneError, 0) when `s` is empty, (kRuneError, 1) when it is invalid.
DecodedRune DecodeRune(std::string_view s);

// utf8.ValidRune: a code point that may be encoded (not a surrogate, not
// above kMaxRune).
bool ValidRune(char32_t r);

// utf8.AppendRune: appends the encoding of `r`; an invalid rune appends
// U+FFFD.
void AppendRune(std::string& out, char32_t r);

// utf8.ValidString: every byte of `s` is part of a valid sequence.
bool Valid(std::string_view s);

// utf8.RuneCountInString: runes in `s`, each invalid byte counting as one.
size_t RuneCount(std::string_view s);

}  // namespace reclaim::utf8

#endif  // RECLAIM_CORE_UTF8_H_
