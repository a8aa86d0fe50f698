# bench/pull: `reclaim image pull` of one 1 GiB, 10-layer image from a loopback
# docker-registry against `skopeo copy` to an OCI directory and `ctr images pull
# --plain-http` / `ctr content fetch` into a fresh containerd (docs/bench-pull.md).
# No target: it needs root, docker-registry, skopeo, containerd and ctr. Run:
#   cmake --build <dir> --target reclaim
#   bench/pull.sh <dir>/src/apps/reclaim/reclaim     [SIZE_MB=100 RUNS=1 for a quick run]
