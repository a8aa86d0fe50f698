# platform/fs: the Fs interface, PosixFs, MemFs, FaultInjectionFs.
reclaim_cc_library(reclaim_platform_fs
  SRCS ${CMAKE_CURRENT_LIST_DIR}/fs.cc
       ${CMAKE_CURRENT_LIST_DIR}/posix_fs.cc
       ${CMAKE_CURRENT_LIST_DIR}/mem_fs.cc
       ${CMAKE_CURRENT_LIST_DIR}/fault_injection_fs.cc
  DEPS absl::status absl::statusor reclaim_platform_mutex)
reclaim_cc_test(fs_test SRCS ${CMAKE_CURRENT_LIST_DIR}/fs_test.cc DEPS reclaim_platform_fs)
reclaim_cc_test(fault_injection_fs_test SRCS ${CMAKE_CURRENT_LIST_DIR}/fault_injection_fs_test.cc
  DEPS reclaim_platform_fs)
