#include "core/utf8.h"

namespace reclaim::utf8 {
namespace {

constexpr DecodedRune kInvalid{kRuneError, 1};

bool InRange(unsigned char b, unsigned char lo, unsigned char hi) { return lo <= b && b <= hi; }

}  // namespace

DecodedRune DecodeRune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  const auto byte_at = [s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte_at(0);
  if (b0 < kRuneSelf) return {b0, 1};

  // The lead byte fixes the width, the payload bits it carries, and the range
  // the second byte must fall in: narrower than 80..BF exactly where the wide
  // range would admit an overlong form (E0, F0), a surrogate (ED) or a code
  // point above U+10FFFF (F4).
  size_t width = 0;
  char32_t rune = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (InRange(b0, 0xC2, 0xDF)) {
    width = 2;
    rune = b0 & 0x1F;
  } else if (InRange(b0, 0xE0, 0xEF)) {
    width = 3;
    rune = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (InRange(b0, 0xF0, 0xF4)) {
    width = 4;
    rune = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return kInvalid;  // continuation byte, C0, C1, F5..FF
  }
  if (s.size() < width) return kInvalid;
  for (size_t i = 1; i < width; ++i) {
    const unsigned char b = byte_at(i);
    if (!InRange(b, i == 1 ? lo : 0x80, i == 1 ? hi : 0xBF)) return kInvalid;
    rune = (rune << 6) | (b & 0x3F);
  }
  return {rune, width};
}

bool ValidRune(char32_t r) { return r <= kMaxRune && !(r >= 0xD800 && r <= 0xDFFF); }

void AppendRune(std::string& out, char32_t r) {
  if (!ValidRune(r)) r = kRuneError;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

bool Valid(std::string_view s) {
  while (!s.empty()) {
    const DecodedRune d = DecodeRune(s);
    if (d.invalid()) return false;
    s.remove_prefix(d.width);
  }
  return true;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (; !s.empty(); ++n) s.remove_prefix(DecodeRune(s).width);
  return n;
}

}  // namespace reclaim::utf8
