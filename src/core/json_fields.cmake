# core/json_fields: which member of a JSON object Go's encoding/json stores
# into a struct field (exact name, else Go's case folding; nulls).
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.11 REQUIRED GLOBAL)
endif()

reclaim_cc_library(reclaim_core_json_fields
  SRCS ${CMAKE_CURRENT_LIST_DIR}/json_fields.cc
  DEPS nlohmann_json::nlohmann_json
  PRIVATE_DEPS reclaim_core_utf8)
reclaim_cc_test(json_fields_test SRCS ${CMAKE_CURRENT_LIST_DIR}/json_fields_test.cc
  DEPS reclaim_core_json_fields)
