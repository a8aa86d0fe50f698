# core/go_strconv: Go's strconv.Quote / QuoteRune / IsPrint / ParseInt, for
# messages that must match Docker's byte for byte.
reclaim_cc_library(reclaim_core_go_strconv
  SRCS ${CMAKE_CURRENT_LIST_DIR}/go_strconv.cc
  DEPS absl::status absl::statusor
  PRIVATE_DEPS reclaim_core_utf8)
reclaim_cc_test(go_strconv_test SRCS ${CMAKE_CURRENT_LIST_DIR}/go_strconv_test.cc
  DEPS reclaim_core_go_strconv)
