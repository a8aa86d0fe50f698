# platform/file_lock: an exclusive flock naming its holder.
reclaim_cc_library(reclaim_platform_lock
  SRCS ${CMAKE_CURRENT_LIST_DIR}/file_lock.cc
  DEPS absl::status absl::statusor
  PRIVATE_DEPS reclaim_platform_fs)
reclaim_cc_test(file_lock_test SRCS ${CMAKE_CURRENT_LIST_DIR}/file_lock_test.cc
  DEPS reclaim_platform_lock reclaim_platform_fs)
