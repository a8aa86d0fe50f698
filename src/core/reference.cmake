# core/reference: Docker's image reference grammar (distribution/reference).
# FamiliarMatch's contract is path.Match's, so path_match is public.
reclaim_cc_library(reclaim_core_reference
  SRCS ${CMAKE_CURRENT_LIST_DIR}/reference.cc
  DEPS reclaim_core_path_match absl::status absl::statusor
  PRIVATE_DEPS reclaim_core_utf8 reclaim_core_status)
reclaim_cc_test(reference_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/reference_test.cc
  DEPS reclaim_core_reference)
