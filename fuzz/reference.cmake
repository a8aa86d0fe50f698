# Fuzzes core/reference's parsers and checks their round-trip invariants.
reclaim_fuzzer(reference_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/reference_fuzzer.cc
  DEPS reclaim_core_reference)
