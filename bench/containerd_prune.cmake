# bench/containerd-prune: reclaim's prune of N unpacked images on a fresh
# containerd against moby's per-image synchronous delete and against one bulk
# delete + one collection. Run bench/containerd_prune.sh (root, containerd, ctr):
#   cmake --build <dir> --target containerd_prune_bench
#   bench/containerd_prune.sh <dir>/bench/containerd_prune_bench   [N=100 for a quick run]
if(TARGET reclaim_store_containerd)
  add_executable(containerd_prune_bench ${CMAKE_CURRENT_LIST_DIR}/containerd_prune_bench.cc)
  target_link_libraries(containerd_prune_bench PRIVATE reclaim_prune_service
    reclaim_store_containerd reclaim_core_filters reclaim_platform_mutex absl::time
    reclaim_warnings)
endif()
