reclaim_cc_library(reclaim_core_timestamp
  SRCS ${CMAKE_CURRENT_LIST_DIR}/timestamp.cc
  DEPS absl::status absl::statusor absl::time
  PRIVATE_DEPS reclaim_core_go_strconv reclaim_core_utf8)
reclaim_cc_test(timestamp_test SRCS ${CMAKE_CURRENT_LIST_DIR}/timestamp_test.cc
  DEPS reclaim_core_timestamp)
