#include "platform/clock.h"

#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(ClockTest, RealClockTracksSystemTime) {
  const absl::Time before = absl::Now();
  const absl::Time now = RealClock().Now();
  const absl::Time after = absl::Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  EXPECT_EQ(&RealClock(), &RealClock());
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(25));
  EXPECT_EQ(clock.Now(), start + absl::Hours(25));
  clock.Advance(-absl::Seconds(1));
  EXPECT_EQ(clock.Now(), start + absl::Hours(25) - absl::Seconds(1));
  clock.SetNow(absl::UnixEpoch());
  EXPECT_EQ(clock.Now(), absl::UnixEpoch());
  EXPECT_EQ(FakeClock().Now(), absl::UnixEpoch());
}

TEST(ClockTest, FakeClockIsThreadSafe) {
  FakeClock clock;
  const Clock& as_clock = clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(absl::Milliseconds(1));
        (void)as_clock.Now();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Seconds(4));
}

TEST(ClockTest, LocalTimeZoneIsStable) {
  const absl::TimeZone& a = LocalTimeZone();
  const absl::TimeZone& b = LocalTimeZone();
  EXPECT_EQ(&a, &b);
  EXPECT_FALSE(a.name().empty());
  // Converting there and back is the identity.
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  const absl::CivilSecond civil = absl::ToCivilSecond(t, a);
  EXPECT_EQ(absl::FromCivil(civil, a), t);
}

}  // namespace
}  // namespace reclaim
