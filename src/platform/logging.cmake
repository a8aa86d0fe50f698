# platform/logging: spdlog setup (level parsing, text or JSON lines on stderr).
reclaim_cc_library(reclaim_platform_log
  SRCS ${CMAKE_CURRENT_LIST_DIR}/logging.cc
  DEPS absl::status absl::statusor absl::time spdlog::spdlog)
reclaim_cc_test(logging_test SRCS ${CMAKE_CURRENT_LIST_DIR}/logging_test.cc
  DEPS reclaim_platform_log reclaim_platform_fs)
