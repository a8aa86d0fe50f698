# core/utf8: Go's unicode/utf8 decoder, shared by every port that walks runes.
reclaim_cc_library(reclaim_core_utf8 SRCS ${CMAKE_CURRENT_LIST_DIR}/utf8.cc)
reclaim_cc_test(utf8_test SRCS ${CMAKE_CURRENT_LIST_DIR}/utf8_test.cc DEPS reclaim_core_utf8)
