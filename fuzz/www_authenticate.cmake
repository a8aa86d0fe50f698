# Fuzz registry/www_authenticate and registry/token: the two parsers of what a
# registry or its token server sends before any trust is established.
# Seeds: fuzz/corpus/www_authenticate/
reclaim_fuzzer(www_authenticate_fuzzer
  SRCS ${CMAKE_CURRENT_LIST_DIR}/www_authenticate_fuzzer.cc
  DEPS reclaim_registry_auth)
