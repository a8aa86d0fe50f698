# core/labels: containerd's label size limit.
reclaim_cc_library(reclaim_core_labels
  SRCS ${CMAKE_CURRENT_LIST_DIR}/labels.cc
  DEPS absl::status)
reclaim_cc_test(labels_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/labels_test.cc
  DEPS reclaim_core_labels)
