#include "platform/clock.h"

#include "absl/time/clock.h"

namespace reclaim {

absl::Time SystemClock::Now() const { return absl::Now(); }

const Clock& RealClock() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}

absl::Time FakeClock::Now() const {
  MutexLock lock(&mu_);
  return now_;
}

void FakeClock::SetNow(absl::Time t) {
  MutexLock lock(&mu_);
  now_ = t;
}

void FakeClock::Advance(absl::Duration d) {
  MutexLock lock(&mu_);
  now_ += d;
}

const absl::TimeZone& LocalTimeZone() {
  static const absl::TimeZone* const zone = [] {
    auto* tz = new absl::TimeZone();
    if (!absl::LoadTimeZone("localtime", tz)) *tz = absl::UTCTimeZone();
    return tz;
  }();
  return *zone;
}

}  // namespace reclaim
