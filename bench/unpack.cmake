# bench/unpack: ContainerdStore::UnpackAll of N images against `ctr images
# import` (containerd's own unpack) of the same archive, each on a fresh
# containerd. Run bench/unpack.sh (root, containerd, ctr):
#   cmake --build <dir> --target unpack_bench
#   bench/unpack.sh <dir>/bench/unpack_bench   [N=100 for a quick run]
if(TARGET reclaim_store_containerd)
  add_executable(unpack_bench ${CMAKE_CURRENT_LIST_DIR}/unpack_bench.cc)
  target_link_libraries(unpack_bench PRIVATE reclaim_store_containerd CLI11::CLI11 reclaim_warnings)
endif()
