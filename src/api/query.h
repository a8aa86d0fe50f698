// File: api/query.h
//
// URL pieces as Go's net/url and moby's httputils read them:
//
//   UnescapePath    percent-decoding of the request path ('+' stays '+'), so
//                   that image names arrive as typed (`localhost:5000/a/b:c`).
//   QueryParams     url.ParseQuery: `&`-separated `key=value` pairs, `+` is a
//                   space, repeated keys keep every value in order; a `;` or a
//                   bad escape is InvalidArgument (moby's ParseForm -> 400).
//   DockerBool      httputils.BoolValue: trimmed, lowercased; "", "0", "no",
//                   "false" and "none" are false, anything else is true.
//
//   QueryParams q = *QueryParams::Parse("all=1&filters=%7B%7D&force=False");
//   q.Bool("all") == true; q.Bool("force") == false; q.BoolOr("quiet", true) == true
//
// Thread-safety: a value type; const methods may be called concurrently.
#ifndef RECLAIM_API_QUERY_H_
#define RECLAIM_API_QUERY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace reclaim {

// InvalidArgument `invalid URL escape "%zz"` (Go's text) on a bad escape.
[[nodiscard]] absl::StatusOr<std::string> UnescapePath(std::string_view path);
// As UnescapePath, with `+` decoded as a space (query keys and values).
[[nodiscard]] absl::StatusOr<std::string> UnescapeQueryComponent(std::string_view s);

// moby's httputils.BoolValue on one value.
bool DockerBool(std::string_view value);

class QueryParams {
 public:
  QueryParams() = default;

  // Parses the part of a request target after `?` (may be empty).
  [[nodiscard]] static absl::StatusOr<QueryParams> Parse(std::string_view raw_query);

  // True when the key appears at all, even as `key=` or `key`.
  bool Has(std::string_view key) const;
  // The first value of `key`, "" when absent (Go's Form.Get).
  std::string Get(std::string_view key) const;
  // Every value of `key`, in order.
  std::vector<std::string> GetAll(std::string_view key) const;
  // httputils.BoolValue: absent is false.
  bool Bool(std::string_view key) const { return DockerBool(Get(key)); }
  // httputils.BoolValueOrDefault: absent is `default_value`.
  bool BoolOr(std::string_view key, bool default_value) const {
    return Has(key) ? Bool(key) : default_value;
  }
  // All pairs in request order.
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace reclaim

#endif  // RECLAIM_API_QUERY_H_
