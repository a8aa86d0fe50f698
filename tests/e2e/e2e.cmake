# tests/e2e: the real docker CLI and the Docker SDK for Python against the real
# `reclaim serve` binary, each on its own temporary root and socket (label e2e).
# A missing client fails the suite: scripts/setup.sh installs everything they need.
#   include(${CMAKE_CURRENT_LIST_DIR}/e2e/e2e.cmake)   (from tests/CMakeLists.txt)
add_test(NAME e2e.docker_cli
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/docker_cli_test.sh $<TARGET_FILE:reclaim>)
add_test(NAME e2e.docker_py
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/docker_py_test.py $<TARGET_FILE:reclaim>)
set_tests_properties(e2e.docker_cli e2e.docker_py PROPERTIES
  LABELS e2e TIMEOUT 300)
# The docker CLI against `reclaim serve --store containerd` on a private containerd.
add_test(NAME e2e.docker_cli_containerd
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/docker_cli_containerd_test.sh $<TARGET_FILE:reclaim>)
set_tests_properties(e2e.docker_cli_containerd PROPERTIES LABELS "e2e;containerd" TIMEOUT 300)
# docker-py against `reclaim serve --store containerd` on a private containerd.
add_test(NAME e2e.docker_py_containerd
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/docker_py_test.py $<TARGET_FILE:reclaim> --containerd)
set_tests_properties(e2e.docker_py_containerd PROPERTIES LABELS "e2e;containerd" TIMEOUT 300)
# reclaim's progress display on a pseudo-terminal, a pipe, and as JSON lines.
add_test(NAME e2e.cli_progress
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/cli_progress_test.py $<TARGET_FILE:reclaim>)
set_tests_properties(e2e.cli_progress PROPERTIES LABELS e2e TIMEOUT 300)
# reclaim on a full disk (a tmpfs the test mounts; needs root, as CI runs).
add_test(NAME e2e.full_disk
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/full_disk_test.sh $<TARGET_FILE:reclaim>)
set_tests_properties(e2e.full_disk PROPERTIES LABELS e2e TIMEOUT 300)
# The CLI interrupted by SIGINT/SIGTERM mid-load.
add_test(NAME e2e.cli_signals
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_signals_test.sh $<TARGET_FILE:reclaim>)
set_tests_properties(e2e.cli_signals PROPERTIES LABELS e2e TIMEOUT 300)
# SIGKILL at random points of load, prune, tag, rm and serve; fsck clean, no
# image lost, zero unreachable bytes after the next prune. 24 kills here;
# `tests/e2e/crash_test.py build/dev/src/apps/reclaim/reclaim --long` runs 1000.
add_test(NAME e2e.crash
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/crash_test.py $<TARGET_FILE:reclaim> --kills 24)
set_tests_properties(e2e.crash PROPERTIES LABELS e2e TIMEOUT 600)
