# bench/api: `docker images` wall time and wrk throughput of GET /images/json
# against `reclaim serve` on a 10k-record store built by prune_bench --setup-only.
# Run it with: cmake --build <dir> --target api_bench   (needs docker and wrk)
add_custom_target(api_bench
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/api.sh $<TARGET_FILE:reclaim> $<TARGET_FILE:prune_bench>
  DEPENDS reclaim prune_bench
  USES_TERMINAL
  COMMENT "bench/api: reclaim serve on 10k image records")
