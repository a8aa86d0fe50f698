# platform/mutex: a TSan-visible, annotated reader-writer mutex (header only).
add_library(reclaim_platform_mutex INTERFACE)
target_include_directories(reclaim_platform_mutex INTERFACE ${PROJECT_SOURCE_DIR}/src)
target_compile_features(reclaim_platform_mutex INTERFACE cxx_std_20)
target_link_libraries(reclaim_platform_mutex INTERFACE absl::core_headers)
reclaim_cc_test(mutex_test SRCS ${CMAKE_CURRENT_LIST_DIR}/mutex_test.cc DEPS reclaim_platform_mutex)
