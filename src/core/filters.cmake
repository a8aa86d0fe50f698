# core/filters: Docker's filter arguments (the `filters` query parameter).
# nlohmann_json is found GLOBAL because the static library's private link
# dependency must resolve in every directory that links it (api, fuzz).
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.11 REQUIRED GLOBAL)
endif()

reclaim_cc_library(reclaim_core_filters
  SRCS ${CMAKE_CURRENT_LIST_DIR}/filters.cc
  DEPS absl::status absl::statusor
  PRIVATE_DEPS reclaim_core_go_json reclaim_core_utf8 reclaim_core_status nlohmann_json::nlohmann_json)
reclaim_cc_test(filters_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/filters_test.cc
  DEPS reclaim_core_filters)
