# core/human_size: byte counts as the docker CLI prints them (go-units).
reclaim_cc_library(reclaim_core_human_size
  SRCS ${CMAKE_CURRENT_LIST_DIR}/human_size.cc)
reclaim_cc_test(human_size_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/human_size_test.cc
  DEPS reclaim_core_human_size)
