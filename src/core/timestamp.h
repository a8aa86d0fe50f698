// File: core/timestamp.h
//
// The `until` timestamp of Docker's prune filters: moby master's
// `daemon/internal/timestamp.Parse(value, reference)` (prune.md §2.3),
// reproduced byte for byte, error texts included. A value is, in this order:
//
//   1. empty or whitespace only: an error;
//   2. a Go duration (`1.5h`, `1h30m`, `-1m`, `300ms`, `1µs`; not the literal
//      `0`): reference minus the duration, nanosecond precise;
//   3. an RFC 3339-like date (`2006-01-02`, `2006-01-02T15`, `...T15:04`,
//      `...T15:04:05`, `...T15:04:05.999999999`, each optionally zoned with `Z`
//      or `±hh:mm`). Without a zone it is read in the reference's zone (a
//      fixed zone with the offset `local` has at `reference`). A failure here
//      is final when the value contains `-`, and then the message is Go's
//      `time.Parse` error, e.g.
//      `parsing time "2006-01-02T15:04:0" as "2006-01-02T15:04:05": cannot parse "0" as "05"`;
//   4. a Unix timestamp `seconds[.fraction]` (`0` is the epoch, not now).
//
//   absl::StatusOr<absl::Time> t =
//       ParseTimestamp("2h", absl::Now(), absl::LocalTimeZone());
//   if (!t.ok()) return UntilFilterError(t.status());   // 400 in moby master
//
// Every error is InvalidArgument. Go semantics that reach the result are kept,
// including overflow corners: a duration of exactly -2^63 ns is negated with
// Go's wrap-around (it lands 292 years in the past), and a Unix timestamp whose
// seconds overflow Go's internal representation (more than
// 9223371974719179007) is absl::InfinitePast(), which is what Go's wrapped
// value means to every comparison.
//
// Thread-safety: stateless functions, safe to call concurrently.
#ifndef RECLAIM_CORE_TIMESTAMP_H_
#define RECLAIM_CORE_TIMESTAMP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace reclaim {

// moby master wraps every `until` parse error with this prefix and classifies
// it invalid-parameter (HTTP 400), prune.md §2.1.
inline constexpr std::string_view kUntilFilterErrorPrefix = "invalid value for 'until' filter: ";

// Parses `value` as described above. `reference` is "now" (durations count
// back from it); `local` is the daemon's zone: only its offset at `reference`
// is used, for values that carry no zone.
[[nodiscard]] absl::StatusOr<absl::Time> ParseTimestamp(std::string_view value,
                                                        absl::Time reference, absl::TimeZone local);

// Go's time.ParseDuration: the duration in nanoseconds (Go's time.Duration),
// or InvalidArgument with Go's texts: `time: invalid duration "x"`,
// `time: missing unit in duration "1"`,
// `time: unknown unit "d" in duration "1d"`. Overflow past ±2^63 ns is
// `time: invalid duration`; "-9223372036854775808ns" is INT64_MIN.
[[nodiscard]] absl::StatusOr<int64_t> ParseGoDuration(std::string_view text);

// `t` in UTC as Go's t.UTC().Format(time.RFC3339Nano), e.g.
// "2006-01-02T15:04:05.999999999Z" (trailing fraction zeros dropped).
// Infinite times print as absl does ("infinite-past" / "infinite-future").
std::string FormatRfc3339Nano(absl::Time t);

// `invalid value for 'until' filter: <message>` as InvalidArgument. An OK
// status is returned unchanged.
[[nodiscard]] absl::Status UntilFilterError(const absl::Status& parse_error);

}  // namespace reclaim

#endif  // RECLAIM_CORE_TIMESTAMP_H_
