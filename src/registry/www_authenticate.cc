#include "registry/www_authenticate.h"

#include <cstddef>

#include "registry/str.h"

namespace reclaim {
namespace {

// RFC 7230 tchar.
bool IsTokenChar(char c) {
  if (str::IsAlnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  void Advance() { ++pos_; }

  // Skips spaces and tabs; returns how many were skipped.
  size_t SkipSpaces() {
    const size_t start = pos_;
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
    return pos_ - start;
  }

  std::string_view Token() {
    const size_t start = pos_;
    while (!AtEnd() && IsTokenChar(Peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // True when only '=' padding follows, up to a comma, whitespace or the end
  // (the tail of a token68 credential such as "abc123==").
  bool AtToken68Padding() const {
    size_t p = pos_;
    while (p < s_.size() && s_[p] == '=') ++p;
    return p > pos_ && (p == s_.size() || s_[p] == ',' || IsSpace(s_[p]));
  }

  // An unquoted parameter value: a token, leniently extended to anything but
  // a comma or whitespace (some servers send unquoted URLs).
  std::string_view BareValue() {
    const size_t start = pos_;
    while (!AtEnd() && Peek() != ',' && !IsSpace(Peek()) && Peek() != '"') ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // REQUIRES: Peek() == '"'. An unterminated string runs to the end.
  std::string QuotedString() {
    std::string out;
    ++pos_;
    while (!AtEnd()) {
      const char c = Peek();
      ++pos_;
      if (c == '"') return out;
      if (c == '\\' && !AtEnd()) {
        out.push_back(Peek());
        ++pos_;
        continue;
      }
      out.push_back(c);
    }
    return out;
  }

  // Moves past the next comma (or to the end), ignoring quoted commas.
  void SkipElement() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ',') {
        ++pos_;
        return;
      }
      if (c == '"') {
        QuotedString();
        continue;
      }
      ++pos_;
    }
  }

  // After a complete element: OK when followed by a comma, the end, or
  // (leniently) the start of a new challenge; consumes a comma.
  void EndElement() {
    SkipSpaces();
    if (!AtEnd() && Peek() == ',') ++pos_;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string Challenge::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  Scanner sc(header);
  bool have_current = false;
  bool after_scheme = false;  // the previous element was a scheme followed by spaces
  while (true) {
    while (!sc.AtEnd() && (IsSpace(sc.Peek()) || sc.Peek() == ',')) sc.Advance();
    if (sc.AtEnd()) break;
    const std::string_view token = sc.Token();
    if (token.empty()) {  // not a token: skip this element
      sc.SkipElement();
      continue;
    }
    const bool first_after_scheme = after_scheme;
    after_scheme = false;
    if (first_after_scheme && sc.AtToken68Padding()) {  // `Scheme abc==`
      sc.SkipElement();
      continue;
    }
    const size_t spaces = sc.SkipSpaces();
    if (!sc.AtEnd() && sc.Peek() == '=' && have_current) {
      // auth-param: token BWS "=" BWS (token / quoted-string)
      sc.Advance();
      sc.SkipSpaces();
      std::string value;
      if (!sc.AtEnd() && sc.Peek() == '"') {
        value = sc.QuotedString();
      } else {
        value = std::string(sc.BareValue());
      }
      sc.SkipSpaces();
      if (!sc.AtEnd() && sc.Peek() != ',') {  // trailing garbage: drop the param
        sc.SkipElement();
        continue;
      }
      out.back().params.emplace(str::Lower(token), std::move(value));
      sc.EndElement();
      continue;
    }
    if (!sc.AtEnd() && sc.Peek() == '=') {  // a parameter before any scheme
      sc.SkipElement();
      continue;
    }
    if (first_after_scheme) {  // `Scheme token68`: the token68 is not a scheme
      sc.SkipElement();
      continue;
    }
    // A new challenge. Its first parameter (if any) follows after spaces and is
    // read by the next iteration.
    out.push_back(Challenge{str::Lower(token), {}});
    have_current = true;
    if (spaces > 0) {
      after_scheme = true;
    } else if (!sc.AtEnd() && sc.Peek() != ',') {
      sc.SkipElement();
    }
  }
  return out;
}

}  // namespace reclaim
