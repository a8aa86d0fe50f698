reclaim_fuzzer(timestamp_fuzzer SRCS ${CMAKE_CURRENT_LIST_DIR}/timestamp_fuzzer.cc
  DEPS reclaim_core_timestamp)
