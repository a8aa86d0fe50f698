#include "core/go_json.h"

#include <cstdint>
#include <utility>

namespace reclaim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsContinuation(uint8_t b, uint8_t lo = 0x80, uint8_t hi = 0xBF) { return b >= lo && b <= hi; }

// Length of the valid UTF-8 sequence at s[i] (a non-ASCII lead byte), or 0 when
// it is invalid (Go then writes \ufffd and moves on by one byte).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = at(i);
  const size_t left = s.size() - i;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && IsContinuation(at(i + 1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    const uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    return left >= 3 && IsContinuation(at(i + 1), lo, hi) && IsContinuation(at(i + 2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
    const uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return left >= 4 && IsContinuation(at(i + 1), lo, hi) && IsContinuation(at(i + 2)) &&
                   IsContinuation(at(i + 3))
               ? 4
               : 0;
  }
  return 0;
}

}  // namespace

void AppendGoJsonQuoted(std::string_view s, GoHtmlEscape html, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20 || (html == GoHtmlEscape::kOn && (c == '<' || c == '>' || c == '&'))) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xF]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
    if (len == 3 && c == 0xE2 && static_cast<uint8_t>(s[i + 1]) == 0x80 &&
        (static_cast<uint8_t>(s[i + 2]) & 0xFE) == 0xA8) {
      out->append(static_cast<uint8_t>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
    } else {
      out->append(s.substr(i, len));
    }
    i += len;
  }
  out->push_back('"');
}

std::string GoJsonQuoted(std::string_view s, GoHtmlEscape html) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendGoJsonQuoted(s, html, &out);
  return out;
}

}  // namespace reclaim
