# tests/fleet: the Kubernetes manifests of deploy/kubernetes (label fleet).
#   manifests: rendered offline with `kubectl kustomize`, the fields that matter
#   agent:     the DaemonSet's exact command line against a private containerd
#   include(${CMAKE_CURRENT_LIST_DIR}/fleet/fleet.cmake)   (from tests/CMakeLists.txt)
add_test(NAME fleet.manifests
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/manifests_test.py)
set_tests_properties(fleet.manifests PROPERTIES LABELS fleet TIMEOUT 120)
add_test(NAME fleet.agent
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/agent_test.py $<TARGET_FILE:reclaim>)
set_tests_properties(fleet.agent PROPERTIES LABELS "fleet;containerd" TIMEOUT 300)
