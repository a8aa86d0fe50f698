# Fuzzes imageio's LoadArchive (on a LocalStore in a temporary directory) and
# ImportRootfs (on the in-memory FakeStore) with arbitrary bytes.
reclaim_fuzzer(archive_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/archive_fuzzer.cc
  DEPS reclaim_imageio reclaim_imageio_testing reclaim_store_local)
