// File: service/prune/options.h
//
// PruneOptions is what Docker's image prune makes of its `filters` argument
// before it looks at a single image (specs/prune.md §0.2-§0.5 and §2):
//
//   1. every key must be `dangling`, `label`, `label!` or `until`, else
//      `invalid filter '<key>'` (InvalidArgument, HTTP 400);
//   2. `dangling` through FilterArgs::GetBoolOrDefault with default true gives
//      `dangling_only`; its errors are returned as they are;
//   3. the `dangling` key is dropped, so it never becomes an image predicate;
//   4. each `until` value is parsed with ParseTimestamp(value, now, local); a
//      bad one fails with `invalid value for 'until' filter: ...`
//      (InvalidArgument); several values are ANDed;
//   5. each `label` value, then each `label!` value, becomes a LabelCheck; the
//      4096-byte label rule (ValidateLabel) runs on the key *before* a trailing
//      `!` is stripped; a stripped `!` flips `negate`.
// moby walks keys and values in Go map order; reclaim uses the byte-wise
// sorted order FilterArgs gives, so the error reported among several bad
// values is the first in sorted order.
//
// The concurrency guard (409 `a prune operation is already running`) is the
// PruneService's, not part of option parsing.
//
// ConfigMatchesLabels evaluates the checks against one image config's
// `config.Labels` the way current moby does (§2.2): all checks must pass for
// the config; a negated value check passes when the key is absent.
//
// Thread-safety: value types and pure functions.
#ifndef RECLAIM_SERVICE_PRUNE_OPTIONS_H_
#define RECLAIM_SERVICE_PRUNE_OPTIONS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/filters.h"

namespace reclaim {

// One `label` / `label!` filter value.
struct LabelCheck {
  std::string key;           // without a trailing `!`
  std::string value;         // meaningful only when !only_exists
  bool only_exists = false;  // the value had no `=`
  bool negate = false;       // `label!`, flipped by a `!` at the end of the key

  friend bool operator==(const LabelCheck&, const LabelCheck&) = default;
};

// What `dangling` means (the host profile decides; hosts/).
enum class DanglingRule {
  // Docker: a record named `moby-dangling@<its own target>`.
  kMobyRecord,
  // Kubernetes: that, or an image left with only its CRI ID record: a record
  // named `sha256:<hex>` that is the only record of its target.
  kCriIdRecordOnly,
};

struct PruneOptions {
  // `dangling` filter (default true): only `moby-dangling@<target>` records are
  // candidates. False (`-a`) makes every image a candidate.
  bool dangling_only = true;
  DanglingRule dangling_rule = DanglingRule::kMobyRecord;
  // Parsed `until` values, in sorted value order. An image passes when its
  // record's created_at is strictly before every one of them.
  std::vector<absl::Time> until;
  // `label` checks then `label!` checks. Empty: no label predicate.
  std::vector<LabelCheck> label_checks;
  // The prune's clock: `until` durations count back from it, and the
  // collection prediction expires leases against it.
  absl::Time now = absl::UnixEpoch();
};

// Steps 1-5 above. `now` and `local` (the daemon's zone) are inputs: this
// function reads no clock.
[[nodiscard]] absl::StatusOr<PruneOptions> ParsePruneOptions(const FilterArgs& filters,
                                                             absl::Time now, absl::TimeZone local);

// True when one config's labels satisfy every check (AND):
//   exists check:  key present (negated: key absent);
//   value check:   key present and (value == check.value) != negate;
//                  key absent: fails, unless negated (moby >= 29.4.1).
// With no checks, true.
bool ConfigMatchesLabels(const std::map<std::string, std::string>& config_labels,
                         const std::vector<LabelCheck>& checks);

}  // namespace reclaim

#endif  // RECLAIM_SERVICE_PRUNE_OPTIONS_H_
