# platform/clock: Clock, SystemClock, FakeClock, LocalTimeZone.
reclaim_cc_library(reclaim_platform_clock
  SRCS ${CMAKE_CURRENT_LIST_DIR}/clock.cc
  DEPS absl::time reclaim_platform_mutex)
reclaim_cc_test(clock_test SRCS ${CMAKE_CURRENT_LIST_DIR}/clock_test.cc
  DEPS reclaim_platform_clock)
