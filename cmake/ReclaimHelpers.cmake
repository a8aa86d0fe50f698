# Target-scoped helpers in the abseil spirit: one library per module, one gtest
# binary per *_test.cc, warnings only on our own targets.

add_library(reclaim_warnings INTERFACE)
target_compile_options(reclaim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wno-missing-field-initializers -Werror=unused-result)

# reclaim_cc_library(NAME SRCS ... DEPS ... PRIVATE_DEPS ...)
# Includes are rooted at src/: #include "core/digest.h".
function(reclaim_cc_library NAME)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${NAME} ${A_SRCS})
  target_include_directories(${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(${NAME} PUBLIC cxx_std_20)
  target_link_libraries(${NAME} PUBLIC ${A_DEPS} PRIVATE reclaim_warnings ${A_PRIVATE_DEPS})
endfunction()

# reclaim_cc_test(NAME SRCS ... DEPS ...): a gtest binary registered with ctest.
function(reclaim_cc_test NAME)
  cmake_parse_arguments(A "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${A_SRCS})
  target_link_libraries(${NAME} PRIVATE ${A_DEPS} GTest::gmock GTest::gtest_main reclaim_warnings)
  gtest_discover_tests(${NAME} DISCOVERY_TIMEOUT 120 PROPERTIES LABELS unit)
endfunction()

# reclaim_fuzzer(NAME SRCS ... DEPS ...): a libFuzzer binary (RECLAIM_FUZZ=ON, clang).
function(reclaim_fuzzer NAME)
  cmake_parse_arguments(A "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${A_SRCS})
  target_link_libraries(${NAME} PRIVATE ${A_DEPS} reclaim_warnings)
  target_link_options(${NAME} PRIVATE -fsanitize=fuzzer)
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${NAME})
endfunction()
