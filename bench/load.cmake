add_executable(load_bench ${CMAKE_CURRENT_LIST_DIR}/load_bench.cc)
target_link_libraries(load_bench PRIVATE reclaim_imageio reclaim_store_local
    reclaim_core_media_types nlohmann_json::nlohmann_json LibArchive::LibArchive reclaim_warnings)
