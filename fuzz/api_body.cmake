# Fuzz the Docker API's request bodies (container create, auth, load, import)
# through DockerApi and the real ServiceBackend on the in-memory FakeStore.
# Seeds: fuzz/corpus/api_body/
reclaim_fuzzer(api_body_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/api_body_fuzzer.cc
  DEPS reclaim_api_service reclaim_api reclaim_service reclaim_imageio_testing)
