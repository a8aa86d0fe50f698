# api/api_http: the HTTP/1.1 transport, with no knowledge of Docker: listen
# addresses, the server, one connection's protocol, the handlers' thread pool.
reclaim_cc_library(reclaim_api_http
  SRCS ${CMAKE_CURRENT_LIST_DIR}/listen_address.cc
       ${CMAKE_CURRENT_LIST_DIR}/worker_pool.cc
       ${CMAKE_CURRENT_LIST_DIR}/http_connection.cc
       ${CMAKE_CURRENT_LIST_DIR}/http_server.cc
       ${CMAKE_CURRENT_LIST_DIR}/metrics_endpoint.cc
  DEPS reclaim_imageio absl::status absl::statusor absl::time Boost::headers Threads::Threads
  PRIVATE_DEPS spdlog::spdlog)

# api/api: Docker's conventions and routes over the transport, and the Backend
# interface they call.
reclaim_cc_library(reclaim_api
  SRCS ${CMAKE_CURRENT_LIST_DIR}/query.cc
       ${CMAKE_CURRENT_LIST_DIR}/backend.cc
       ${CMAKE_CURRENT_LIST_DIR}/docker_api.cc
  DEPS reclaim_api_http reclaim_docker_json reclaim_docker_events reclaim_imageio reclaim_core_descriptor
       reclaim_core_filters
       reclaim_core_status nlohmann_json::nlohmann_json absl::status absl::statusor absl::time
       Boost::headers
  PRIVATE_DEPS absl::strings spdlog::spdlog)

reclaim_cc_library(reclaim_api_testing
  SRCS ${CMAKE_CURRENT_LIST_DIR}/testing/http_client.cc
       ${CMAKE_CURRENT_LIST_DIR}/testing/fake_backend.cc
  DEPS reclaim_api reclaim_platform_mutex absl::strings Boost::headers)

reclaim_cc_test(api_query_test SRCS ${CMAKE_CURRENT_LIST_DIR}/query_test.cc DEPS reclaim_api)
reclaim_cc_test(api_listen_address_test SRCS ${CMAKE_CURRENT_LIST_DIR}/listen_address_test.cc
  DEPS reclaim_api_http reclaim_platform_testing)
reclaim_cc_test(api_worker_pool_test SRCS ${CMAKE_CURRENT_LIST_DIR}/worker_pool_test.cc
  DEPS reclaim_api_http)
reclaim_cc_test(api_http_connection_test SRCS ${CMAKE_CURRENT_LIST_DIR}/http_connection_test.cc
  DEPS reclaim_api_http reclaim_api_testing reclaim_platform_testing)
reclaim_cc_test(api_http_server_test SRCS ${CMAKE_CURRENT_LIST_DIR}/http_server_test.cc
  DEPS reclaim_api_http reclaim_api_testing reclaim_platform_testing)
reclaim_cc_test(api_docker_api_test SRCS ${CMAKE_CURRENT_LIST_DIR}/docker_api_test.cc
  DEPS reclaim_api reclaim_api_testing)
