# core/reference: Docker's image reference grammar (distribution/reference).
reclaim_cc_library(reclaim_core_reference
  SRCS ${CMAKE_CURRENT_LIST_DIR}/reference.cc
  DEPS absl::status absl::statusor)
reclaim_cc_test(reference_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/reference_test.cc
  DEPS reclaim_core_reference)
