reclaim_cc_library(reclaim_core_digest
  SRCS ${CMAKE_CURRENT_LIST_DIR}/digest.cc
  DEPS absl::status absl::statusor
  PRIVATE_DEPS OpenSSL::Crypto)
reclaim_cc_test(digest_test SRCS ${CMAKE_CURRENT_LIST_DIR}/digest_test.cc
  DEPS reclaim_core_digest absl::flat_hash_set)
