#include "service/prune/report.h"

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/human_size.h"

namespace reclaim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsContinuation(unsigned char b, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
  return b >= lo && b <= hi;
}

// Go's utf8.DecodeRuneInString: the rune and its length, or (-1, 1) for an
// invalid or truncated sequence.
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = at(i);
  const size_t left = s.size() - i;
  if (b0 < 0x80) return {b0, 1};
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left >= 2 && IsContinuation(at(i + 1))) {
      return {((b0 & 0x1F) << 6) | (at(i + 1) & 0x3F), 2};
    }
    return {-1, 1};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
    if (left >= 3 && IsContinuation(at(i + 1), lo, hi) && IsContinuation(at(i + 2))) {
      return {((b0 & 0x0F) << 12) | ((at(i + 1) & 0x3F) << 6) | (at(i + 2) & 0x3F), 3};
    }
    return {-1, 1};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
    if (left >= 4 && IsContinuation(at(i + 1), lo, hi) && IsContinuation(at(i + 2)) &&
        IsContinuation(at(i + 3))) {
      return {((b0 & 0x07) << 18) | ((at(i + 1) & 0x3F) << 12) | ((at(i + 2) & 0x3F) << 6) |
                  (at(i + 3) & 0x3F),
              4};
    }
    return {-1, 1};
  }
  return {-1, 1};
}

}  // namespace

std::string GoJsonStringNoHtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (b < 0x20) {
            out += "\\u00";
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0xF]);
          } else {
            out.push_back(static_cast<char>(b));
          }
      }
      ++i;
      continue;
    }
    const auto [rune, size] = DecodeRune(s, i);
    if (rune < 0) {
      out += "\\ufffd";
    } else if (rune == 0x2028) {
      out += "\\u2028";
    } else if (rune == 0x2029) {
      out += "\\u2029";
    } else {
      out.append(s.substr(i, size));
    }
    i += size;
  }
  out.push_back('"');
  return out;
}

std::string ReportJson(const Report& report) {
  std::string out = "{\"ImagesDeleted\":";
  if (report.images_deleted.empty()) {
    out += "null";
  } else {
    out.push_back('[');
    bool first = true;
    for (const ReportItem& item : report.images_deleted) {
      if (!first) out.push_back(',');
      first = false;
      // Go field order: Deleted, then Untagged; both omitempty.
      out.push_back('{');
      bool field = false;
      if (!item.deleted.empty()) {
        out += "\"Deleted\":" + GoJsonStringNoHtmlEscape(item.deleted);
        field = true;
      }
      if (!item.untagged.empty()) {
        if (field) out.push_back(',');
        out += "\"Untagged\":" + GoJsonStringNoHtmlEscape(item.untagged);
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  out += ",\"SpaceReclaimed\":" + std::to_string(report.space_reclaimed) + "}";
  return out;
}

std::string ReportCliText(const Report& report) {
  std::string out;
  uint64_t space = 0;
  if (!report.images_deleted.empty()) {
    out += "Deleted Images:\n";
    for (const ReportItem& item : report.images_deleted) {
      if (!item.untagged.empty()) {
        out += "untagged: " + item.untagged + "\n";
      } else {
        out += "deleted: " + item.deleted + "\n";
      }
    }
    out += "\n";  // fmt.Fprintln of the block, which already ends in '\n'
    space = report.space_reclaimed;
  }
  out += "Total reclaimed space: " + HumanSizeBytes(space) + "\n";
  return out;
}

}  // namespace reclaim
