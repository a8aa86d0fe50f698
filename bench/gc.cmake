add_executable(gc_bench ${CMAKE_CURRENT_LIST_DIR}/gc_bench.cc)
target_link_libraries(gc_bench PRIVATE reclaim_store_local reclaim_core_media_types
  nlohmann_json::nlohmann_json reclaim_warnings)
