// File: platform/clock.h
//
// Time behind an interface. Code that decides by time (lease expiry, `until=`
// filters, GC scheduling) takes a `const Clock&` instead of calling
// absl::Now(), so tests can choose the time with a FakeClock.
//
//   void Prune(const Clock& clock) { absl::Time now = clock.Now(); ... }
//   Prune(RealClock());                       // production
//   FakeClock fake(absl::FromUnixSeconds(1700000000));
//   fake.Advance(absl::Hours(25));  Prune(fake);   // tests
//
// Thread-safety: all implementations are safe for concurrent use.
#ifndef RECLAIM_PLATFORM_CLOCK_H_
#define RECLAIM_PLATFORM_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "platform/mutex.h"

namespace reclaim {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
};

// The process-wide SystemClock; never destroyed.
const Clock& RealClock();

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}

  absl::Time Now() const override;
  void SetNow(absl::Time t);
  // REQUIRES: d >= 0 is not enforced; a negative d moves time backwards.
  void Advance(absl::Duration d);

 private:
  mutable Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// The local time zone (TZ or /etc/localtime), loaded once; UTC when it cannot
// be loaded. Docker interprets zone-less timestamps in it.
const absl::TimeZone& LocalTimeZone();

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_CLOCK_H_
