# Fuzz core/filters: FromJSON on arbitrary bytes, ToJSON round trip.
# Seeds: fuzz/corpus/filters/
reclaim_fuzzer(filters_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/filters_fuzzer.cc
  DEPS reclaim_core_filters)
