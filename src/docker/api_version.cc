// File: docker/api_version.cc
#include "docker/api_version.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace reclaim {
namespace {

std::vector<std::string_view> SplitDots(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(v.substr(start));
      return parts;
    }
    parts.push_back(v.substr(start, dot - start));
    start = dot + 1;
  }
}

// Go's strconv.Atoi as moby uses it (errors ignored): a non-number is 0, an
// out-of-range number saturates.
int64_t AtoiOrZero(std::string_view s) {
  if (s.empty()) return 0;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return 0;
  }
  int64_t value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    int digit = s[i] - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
      // Keep scanning: a later non-digit still makes the whole thing invalid.
      for (size_t j = i; j < s.size(); ++j) {
        if (s[j] < '0' || s[j] > '9') return 0;
      }
      return negative ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

}  // namespace

int CompareApiVersions(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  std::vector<std::string_view> pa = SplitDots(a);
  std::vector<std::string_view> pb = SplitDots(b);
  size_t n = pa.size() > pb.size() ? pa.size() : pb.size();
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < pa.size() ? AtoiOrZero(pa[i]) : 0;
    int64_t y = i < pb.size() ? AtoiOrZero(pb[i]) : 0;
    if (x > y) return 1;
    if (x < y) return -1;
  }
  return 0;
}

}  // namespace reclaim
