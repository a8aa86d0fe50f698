# core/media_types and core/descriptor: media type predicates, descriptors,
# manifest/index parsing and containerd's Children.
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.11 REQUIRED GLOBAL)
endif()

reclaim_cc_library(reclaim_core_media_types
  SRCS ${CMAKE_CURRENT_LIST_DIR}/media_types.cc)
reclaim_cc_test(media_types_test SRCS ${CMAKE_CURRENT_LIST_DIR}/media_types_test.cc
  DEPS reclaim_core_media_types)

reclaim_cc_library(reclaim_core_descriptor
  SRCS ${CMAKE_CURRENT_LIST_DIR}/descriptor.cc
  DEPS reclaim_core_digest reclaim_core_status absl::status absl::statusor
       nlohmann_json::nlohmann_json
  PRIVATE_DEPS reclaim_core_json_fields reclaim_core_media_types)
reclaim_cc_test(descriptor_test SRCS ${CMAKE_CURRENT_LIST_DIR}/descriptor_test.cc
  DEPS reclaim_core_descriptor reclaim_core_media_types)
