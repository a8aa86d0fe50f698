# reclaim_platform: everything in platform/ (clock, fs, file lock, logging).
add_library(reclaim_platform INTERFACE)
target_link_libraries(reclaim_platform INTERFACE
  reclaim_platform_clock reclaim_platform_fs reclaim_platform_mutex reclaim_platform_lock reclaim_platform_log)
