// File: core/filters.h
//
// FilterArgs is Docker's filter argument set (moby `daemon/internal/filters`,
// formerly `api/types/filters`): a map from a filter key (`dangling`, `label`,
// `until`, ...) to a set of values. It is what the `filters` query parameter of
// `POST /images/prune` decodes to.
//
// Each value carries the boolean it had in the map-of-map JSON encoding
// (`{"label":{"a=b":true}}`). Only GetBoolOrDefault looks at that boolean (the
// `dangling` quirk of prune.md §1.3); everything else treats the values as a
// plain set. Add() always stores `true`.
//
// Two JSON encodings are accepted by FromJSON, in moby's order: map-of-map
// `{"k":{"v":true}}` first, then the legacy map-of-list `{"k":["v"]}` (docker-py).
// Decoding follows Go's encoding/json exactly where it matters: `null` as a
// whole means no filters; `{"k":null}` and `{"k":{}}` / `{"k":[]}` give a key
// with an empty value set; an inner `null` boolean is `false`; a `null` list
// element is the empty string; with duplicate object keys the last one wins;
// invalid UTF-8 and lone UTF-16 surrogate escapes in strings become U+FFFD.
//
// Map order: Go iterates maps in random order, so moby's Validate and error
// texts may pick or list keys/values in any order. reclaim is deterministic:
// keys and values are always handled in byte-wise sorted order.
//
// Errors are InvalidArgument (HTTP 400) with moby's `invalid filter` texts.
//
// Thread-safety: a value type; const methods may be called concurrently,
// mutation needs external synchronisation.
#ifndef RECLAIM_CORE_FILTERS_H_
#define RECLAIM_CORE_FILTERS_H_

#include <cstddef>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace reclaim {

// `invalid filter` (no key; also when `key` is empty, as in moby).
absl::Status InvalidFilterError();
// `invalid filter '<key>'`.
absl::Status InvalidFilterError(std::string_view key);
// `invalid filter '<key>=[v1 v2]'` (Go `%s` slice form, values in the order
// given; callers pass them sorted).
absl::Status InvalidFilterError(std::string_view key, const std::vector<std::string>& values);

class FilterArgs {
 public:
  // Result of GetBoolOrDefault: on error `value` is the default, as in moby.
  struct BoolResult {
    bool value = false;
    absl::Status status;
  };

  FilterArgs() = default;

  // Decodes the `filters` query parameter. "" and "null" give empty args.
  // Anything that is neither map-of-map nor map-of-list gives `invalid filter`.
  [[nodiscard]] static absl::StatusOr<FilterArgs> FromJSON(std::string_view text);

  // Map-of-map JSON with keys and values sorted byte-wise and Go's string
  // escaping (`<`, `>`, `&` as \u003c etc.), exactly what the Go client sends,
  // e.g. `{"dangling":{"true":true}}`. Empty args give "" (moby's ToJSON; the
  // client then omits the parameter).
  std::string ToJSON() const;

  // Adds `value` (with boolean true) to `key`'s set, creating the key.
  void Add(std::string_view key, std::string_view value);
  // Removes `value` from `key`'s set; drops the key once its set is empty
  // (also when it was already empty). No-op for an absent key.
  void Del(std::string_view key, std::string_view value);
  // Removes `key` and all its values.
  void DeleteKey(std::string_view key);

  // Values of `key`, sorted (whatever their JSON boolean); empty if absent.
  std::vector<std::string> Get(std::string_view key) const;
  // True if `key` is present, even with an empty value set.
  bool Contains(std::string_view key) const;
  // Number of keys.
  size_t Len() const { return fields_.size(); }
  // All keys, sorted.
  std::vector<std::string> Keys() const;

  // Fails with `invalid filter '<key>'` for the lexically first key not in
  // `accepted` (moby reports whichever key Go's map order yields first).
  [[nodiscard]] absl::Status Validate(std::span<const std::string_view> accepted) const;
  [[nodiscard]] absl::Status Validate(std::initializer_list<std::string_view> accepted) const;

  // Docker's boolean filter (prune.md §1.3): absent key → `default_value`.
  // Truthy spellings `true`/`1`, falsy `false`/`0`, case-sensitive, and only
  // values whose JSON boolean is true count. Key present with no values →
  // `invalid filter '<key>'`; both or neither truthy and falsy present →
  // `invalid filter '<key>=[all values sorted]'`. On error `value` is
  // `default_value`.
  [[nodiscard]] BoolResult GetBoolOrDefault(std::string_view key, bool default_value) const;

  friend bool operator==(const FilterArgs&, const FilterArgs&) = default;

 private:
  using ValueSet = std::map<std::string, bool, std::less<>>;
  std::map<std::string, ValueSet, std::less<>> fields_;
};

}  // namespace reclaim

#endif  // RECLAIM_CORE_FILTERS_H_
