# core/path_match: Go's path.Match (the `reference` filter's patterns).
reclaim_cc_library(reclaim_core_path_match
  SRCS ${CMAKE_CURRENT_LIST_DIR}/path_match.cc
  DEPS absl::status absl::statusor
  PRIVATE_DEPS reclaim_core_status reclaim_core_utf8)
reclaim_cc_test(path_match_test SRCS ${CMAKE_CURRENT_LIST_DIR}/path_match_test.cc
  DEPS reclaim_core_path_match)
