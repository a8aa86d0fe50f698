// File: registry/str.h
//
// Internal to registry/ (and its tests): the string helpers the module needs,
// over std::string_view. Debian bookworm's abseil has its own string_view type
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), so absl's string functions do not take
// std::string_view; these small ASCII-only functions do.
//
//   str::Cat("bytes=", offset, "-")       // strings, string_views, chars, integers
//   str::CatTo(&out, a, b);
//   str::Lower("Bearer") == "bearer";   str::StartsWith(s, "HTTP/");
//
// Thread-safety: pure functions.
#ifndef RECLAIM_REGISTRY_STR_H_
#define RECLAIM_REGISTRY_STR_H_

#include <charconv>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace reclaim {
namespace str {

inline void AppendOne(std::string* out, std::string_view s) { out->append(s); }
inline void AppendOne(std::string* out, const char* s) { out->append(s); }
inline void AppendOne(std::string* out, absl::string_view s) { out->append(s.data(), s.size()); }
inline void AppendOne(std::string* out, const std::string& s) { out->append(s); }
inline void AppendOne(std::string* out, char c) { out->push_back(c); }
// Integers other than char and bool (those are text and a mistake).
template <typename T>
concept Number = std::integral<T> && !std::same_as<T, char> && !std::same_as<T, bool>;
template <Number T>
void AppendOne(std::string* out, T v) {
  out->append(std::to_string(v));
}

template <typename... Args>
void CatTo(std::string* out, const Args&... args) {
  (AppendOne(out, args), ...);
}

template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  CatTo(&out, args...);
  return out;
}

inline char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline char UpperChar(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }
inline bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}
inline std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = UpperChar(c);
  return out;
}
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}
inline bool StartsWith(std::string_view s, std::string_view p) { return s.starts_with(p); }
inline bool EndsWith(std::string_view s, std::string_view p) { return s.ends_with(p); }
inline bool StartsWithIgnoreCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && EqualsIgnoreCase(s.substr(0, p.size()), p);
}
inline bool Contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}

inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return TrimRight(s);
}

// Whole-string decimal integer (an optional leading '-' for signed types).
template <std::integral T>
bool ParseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}
// Whole-string hexadecimal integer.
template <std::integral T>
bool ParseHex(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Splits at every `sep`; empty pieces are kept unless `skip_empty`.
inline std::vector<std::string_view> Split(std::string_view s, std::string_view sep,
                                           bool skip_empty = false) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t at = s.find(sep);
    std::string_view piece = s.substr(0, at);
    if (!(skip_empty && piece.empty())) out.push_back(piece);
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + sep.size());
  }
}

inline std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

inline std::string ReplaceAll(std::string_view s, char from, char to) {
  std::string out(s);
  for (char& c : out) {
    if (c == from) c = to;
  }
  return out;
}

}  // namespace str
}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_STR_H_
