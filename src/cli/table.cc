#include "cli/table.h"

#include <algorithm>
#include <cmath>
#include <ostream>

namespace reclaim {

namespace {
constexpr size_t kMinWidth = 10;
constexpr size_t kPadding = 3;
}  // namespace

void Table::Print(std::ostream& out) const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size() + kPadding);
    }
  }
  for (auto& w : width) w = std::max(w, kMinWidth);
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size(), ' ');
    }
    out << line << "\n";
  }
}

std::string HumanDuration(absl::Duration d) {
  const double seconds = absl::ToDoubleSeconds(d);
  if (seconds < 1) return "Less than a second";
  if (static_cast<int64_t>(seconds) == 1) return "1 second";
  if (seconds < 60) return std::to_string(static_cast<int64_t>(seconds)) + " seconds";
  const double minutes = absl::ToDoubleMinutes(d);
  if (static_cast<int64_t>(minutes) == 1) return "About a minute";
  if (minutes < 60) return std::to_string(static_cast<int64_t>(minutes)) + " minutes";
  const double hours = absl::ToDoubleHours(d);
  if (std::llround(hours) == 1) return "About an hour";
  if (hours < 48) return std::to_string(static_cast<int64_t>(hours)) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(static_cast<int64_t>(hours / 24)) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(static_cast<int64_t>(hours / 24 / 7)) + " weeks";
  if (hours < 24 * 365 * 2) {
    return std::to_string(static_cast<int64_t>(hours / 24 / 30)) + " months";
  }
  return std::to_string(static_cast<int64_t>(hours / 24 / 365)) + " years";
}

}  // namespace reclaim
