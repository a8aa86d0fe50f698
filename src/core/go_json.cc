#include "core/go_json.h"

#include <cstdint>
#include <utility>

#include "core/utf8.h"

namespace reclaim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

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
    const utf8::DecodedRune d = utf8::DecodeRune(s.substr(i));
    if (d.invalid()) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    if (d.rune == 0x2028 || d.rune == 0x2029) {
      out->append(d.rune == 0x2028 ? "\\u2028" : "\\u2029");
    } else {
      out->append(s.substr(i, d.width));
    }
    i += d.width;
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
