// File: api/query.cc
#include "api/query.h"

#include <cctype>

namespace reclaim {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) {
        std::string bad(s.substr(i, 3));
        return absl::InvalidArgumentError("invalid URL escape \"" + bad + "\"");
      }
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> UnescapePath(std::string_view path) { return Unescape(path, false); }

absl::StatusOr<std::string> UnescapeQueryComponent(std::string_view s) {
  return Unescape(s, true);
}

bool DockerBool(std::string_view value) {
  size_t b = 0;
  size_t e = value.size();
  while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
  std::string v(value.substr(b, e - b));
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(v.empty() || v == "0" || v == "no" || v == "false" || v == "none");
}

absl::StatusOr<QueryParams> QueryParams::Parse(std::string_view raw_query) {
  QueryParams q;
  absl::Status first_error;
  while (!raw_query.empty()) {
    std::string_view part;
    size_t amp = raw_query.find('&');
    if (amp == std::string_view::npos) {
      part = raw_query;
      raw_query = {};
    } else {
      part = raw_query.substr(0, amp);
      raw_query = raw_query.substr(amp + 1);
    }
    if (part.find(';') != std::string_view::npos) {
      if (first_error.ok()) {
        first_error = absl::InvalidArgumentError("invalid semicolon separator in query");
      }
      continue;
    }
    if (part.empty()) continue;
    std::string_view key = part;
    std::string_view value;
    if (size_t eq = part.find('='); eq != std::string_view::npos) {
      key = part.substr(0, eq);
      value = part.substr(eq + 1);
    }
    absl::StatusOr<std::string> k = UnescapeQueryComponent(key);
    if (!k.ok()) {
      if (first_error.ok()) first_error = k.status();
      continue;
    }
    absl::StatusOr<std::string> v = UnescapeQueryComponent(value);
    if (!v.ok()) {
      if (first_error.ok()) first_error = v.status();
      continue;
    }
    q.pairs_.emplace_back(*std::move(k), *std::move(v));
  }
  if (!first_error.ok()) return first_error;
  return q;
}

bool QueryParams::Has(std::string_view key) const {
  for (const auto& [k, v] : pairs_) {
    if (k == key) return true;
  }
  return false;
}

std::string QueryParams::Get(std::string_view key) const {
  for (const auto& [k, v] : pairs_) {
    if (k == key) return v;
  }
  return "";
}

std::vector<std::string> QueryParams::GetAll(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

}  // namespace reclaim
