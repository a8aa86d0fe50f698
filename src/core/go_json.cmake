# core/go_json: Go's encoding/json string encoding, shared by everything that must
# produce Docker-identical bytes.
reclaim_cc_library(reclaim_core_go_json SRCS ${CMAKE_CURRENT_LIST_DIR}/go_json.cc
  PRIVATE_DEPS reclaim_core_utf8)
reclaim_cc_test(go_json_test SRCS ${CMAKE_CURRENT_LIST_DIR}/go_json_test.cc
  DEPS reclaim_core_go_json)
