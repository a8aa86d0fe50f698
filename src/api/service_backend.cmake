# api/service_backend: the Backend over the real services (ImageService,
# ContainerService, system df, prune), its tests, and the end-to-end test with
# the docker CLI. Needs reclaim_service: add_subdirectory(src/service) before
# src/api.
if(NOT TARGET reclaim_service AND EXISTS ${PROJECT_SOURCE_DIR}/src/service/CMakeLists.txt)
  message(WARNING "src/api: reclaim_service is not defined yet; add_subdirectory(src/service) "
                  "before src/api to build reclaim_api_service")
endif()
if(TARGET reclaim_service)
  reclaim_cc_library(reclaim_api_service
    SRCS ${CMAKE_CURRENT_LIST_DIR}/service_backend.cc
    DEPS reclaim_api reclaim_service reclaim_registry
    PRIVATE_DEPS reclaim_docker_json reclaim_core_reference reclaim_core_status
         reclaim_prune_plan reclaim_registry_auth reclaim_registry_platforms)

  if(NOT TARGET SQLite::SQLite3)
    find_package(SQLite3 REQUIRED)
  endif()
  set(reclaim_api_service_test_deps reclaim_api_service reclaim_api reclaim_service
      reclaim_store_local reclaim_imageio reclaim_imageio_testing reclaim_core_media_types
      reclaim_core_reference reclaim_core_status LibArchive::LibArchive)
  reclaim_cc_test(api_service_backend_test
    SRCS ${CMAKE_CURRENT_LIST_DIR}/service_backend_test.cc
    DEPS ${reclaim_api_service_test_deps})
  reclaim_cc_test(api_docker_cli_e2e_test
    SRCS ${CMAKE_CURRENT_LIST_DIR}/docker_cli_e2e_test.cc
    DEPS ${reclaim_api_service_test_deps})
endif()
