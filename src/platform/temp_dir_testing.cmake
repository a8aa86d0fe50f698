# platform/testing/temp_dir: TempDir, a scoped temporary directory for tests
# (header only).
add_library(reclaim_platform_testing INTERFACE)
target_include_directories(reclaim_platform_testing INTERFACE ${PROJECT_SOURCE_DIR}/src)
target_compile_features(reclaim_platform_testing INTERFACE cxx_std_20)
reclaim_cc_test(temp_dir_test SRCS ${CMAKE_CURRENT_LIST_DIR}/testing/temp_dir_test.cc
  DEPS reclaim_platform_testing)
