# Fuzz what a registry and a Docker client send reclaim: manifest and index
# bodies (core/descriptor ParseManifest / ParseIndex, as a pull reads them),
# the X-Registry-Auth header and AuthConfig JSON (registry/auth_config).
# Seeds: fuzz/corpus/registry_input/
reclaim_fuzzer(registry_input_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/registry_input_fuzzer.cc
  DEPS reclaim_core_descriptor reclaim_registry_auth nlohmann_json::nlohmann_json)
