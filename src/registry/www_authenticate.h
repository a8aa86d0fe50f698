// File: registry/www_authenticate.h
//
// The `WWW-Authenticate` header of a registry's 401 answer (RFC 7235), parsed
// into challenges: a scheme (`Basic`, `Bearer`, ...) and its parameters
// (`realm`, `service`, `scope`, `error`, ...).
//
//   std::vector<Challenge> cs = ParseWwwAuthenticate(
//       R"(Bearer realm="https://auth.example/token",service="registry")");
//   cs[0].scheme == "bearer";  cs[0].Param("service") == "registry";
//
// One header may carry several challenges separated by commas
// (`Basic realm="x", Bearer realm="y"`); a response may carry several headers,
// whose challenges are simply concatenated by the caller. Parameter values are
// tokens or quoted strings (backslash escapes honoured). Scheme names and
// parameter names are case-insensitive and returned lower-cased; values keep
// their case; an unquoted value runs to the next comma or space (some servers
// send unquoted URLs). When a parameter repeats within one challenge the
// first value wins.
//
// The parser is a pure, total function over bytes: it never fails and never
// reads past its input. What does not fit the grammar is skipped up to the
// next comma, so hostile input yields fewer (possibly no) challenges, never an
// error. Its cost is linear in the input. fuzz/www_authenticate_fuzzer.cc
// checks these properties.
//
// Thread-safety: pure functions and value types only.
#ifndef RECLAIM_REGISTRY_WWW_AUTHENTICATE_H_
#define RECLAIM_REGISTRY_WWW_AUTHENTICATE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace reclaim {

struct Challenge {
  std::string scheme;                         // lower-cased: "basic", "bearer", ...
  std::map<std::string, std::string> params;  // lower-cased names

  // The parameter's value, or "" when absent.
  std::string Param(std::string_view name) const;

  friend bool operator==(const Challenge&, const Challenge&) = default;
};

// Parses one `WWW-Authenticate` header value.
std::vector<Challenge> ParseWwwAuthenticate(std::string_view header);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_WWW_AUTHENTICATE_H_
