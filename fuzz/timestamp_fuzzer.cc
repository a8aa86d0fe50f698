// libFuzzer target for core/timestamp: arbitrary bytes as an `until` value
// (and as a Go duration) must never crash, hang or overflow, every error must
// be InvalidArgument, and a duration that parses must give reference minus it.
//
// Input: the first byte picks the reference time and local zone, the rest is
// the value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/timestamp.h"

namespace {

absl::Time PickReference(uint8_t selector) {
  switch (selector & 3) {
    case 0:
      return absl::FromUnixNanos(1577934245123456789);  // 2020-01-02T03:04:05.123456789Z
    case 1:
      return absl::UnixEpoch();
    case 2:
      return absl::FromUnixSeconds(-62135596800);  // Go's zero time
    default:
      return absl::FromUnixSeconds(253402300799);  // 9999-12-31T23:59:59Z
  }
}

absl::TimeZone PickZone(uint8_t selector) {
  switch ((selector >> 2) & 3) {
    case 0:
      return absl::UTCTimeZone();
    case 1:
      return absl::FixedTimeZone(2 * 3600);
    case 2:
      return absl::FixedTimeZone(-5 * 3600);
    default:
      return absl::FixedTimeZone(14 * 3600 - 1);
  }
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::Time reference = PickReference(data[0]);
  const absl::TimeZone local = PickZone(data[0]);
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

  absl::StatusOr<absl::Time> parsed = reclaim::ParseTimestamp(value, reference, local);
  if (parsed.ok()) {
    Check(!reclaim::FormatRfc3339Nano(*parsed).empty());
  } else {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    Check(!parsed.status().message().empty());
    const absl::Status wrapped = reclaim::UntilFilterError(parsed.status());
    Check(wrapped.code() == absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<int64_t> duration = reclaim::ParseGoDuration(value);
  if (duration.ok()) {
    if (value != "0") {
      Check(parsed.ok());
      // reference.Add(-d) with Go's wrap-around negation.
      const auto back = static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(*duration));
      Check(*parsed == reference + absl::Nanoseconds(back));
    }
  } else {
    Check(duration.status().code() == absl::StatusCode::kInvalidArgument);
    Check(duration.status().message().substr(0, 6) == "time: ");
  }
  return 0;
}
