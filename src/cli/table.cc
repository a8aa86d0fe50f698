#include "cli/table.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ostream>
#include <system_error>

namespace reclaim {

namespace {
constexpr size_t kMinWidth = 10;
constexpr size_t kPadding = 3;
}  // namespace

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    // The last cell of a line ends with the line, not with a tab: it is not
    // part of a column (tabwriter), so it does not widen one.
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], RuneCount(row[i]) + kPadding);
    }
  }
  for (auto& w : width) w = std::max(w, kMinWidth);
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - RuneCount(row[i]), ' ');
    }
    out << line << "\n";
  }
}

std::string HumanDuration(absl::Duration d) {
  // Go converts with int(), which truncates toward zero.
  const int64_t seconds = static_cast<int64_t>(absl::ToDoubleSeconds(d));
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const int64_t minutes = static_cast<int64_t>(absl::ToDoubleMinutes(d));
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  const int64_t hours = static_cast<int64_t>(absl::ToDoubleHours(d) + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(static_cast<int64_t>(absl::ToDoubleHours(d)) / 24 / 365) + " years";
}

std::string HumanSizeWithPrecision(double bytes, int precision) {
  static constexpr std::array<const char*, 9> kUnits = {"B",  "kB", "MB", "GB", "TB",
                                                        "PB", "EB", "ZB", "YB"};
  size_t i = 0;
  while (bytes >= 1000.0 && i + 1 < kUnits.size()) {
    bytes /= 1000.0;
    ++i;
  }
  std::array<char, 64> buf;
  // to_chars' general format with a precision is printf's %g, as Go's %g picks
  // the same digits and exponent form for finite values.
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), bytes,
                                 std::chars_format::general, precision);
  std::string out = res.ec == std::errc() ? std::string(buf.data(), res.ptr) : "NaN";
  return out + kUnits[i];
}

std::string Ellipsis(std::string_view s, size_t max_width) {
  if (max_width == 0) return "";
  if (RuneCount(s) <= max_width) return std::string(s);
  // Keep max_width-1 runes.
  size_t runes = 0;
  size_t end = 0;
  for (; end < s.size(); ++end) {
    if ((static_cast<unsigned char>(s[end]) & 0xC0) != 0x80) {
      if (runes == max_width - 1) break;
      ++runes;
    }
  }
  return std::string(s.substr(0, end)) + "\u2026";
}

std::string TruncateId(std::string_view id) {
  const size_t colon = id.find(':');
  if (colon != std::string_view::npos) id.remove_prefix(colon + 1);
  return std::string(id.substr(0, std::min<size_t>(id.size(), 12)));
}

}  // namespace reclaim
