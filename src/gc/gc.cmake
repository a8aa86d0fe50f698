reclaim_cc_library(reclaim_gc
  SRCS ${CMAKE_CURRENT_LIST_DIR}/gc.cc
  DEPS absl::flat_hash_map absl::flat_hash_set absl::function_ref absl::hash
       absl::time
  PRIVATE_DEPS absl::strings)
reclaim_cc_test(gc_test SRCS ${CMAKE_CURRENT_LIST_DIR}/gc_test.cc
  DEPS reclaim_gc)
