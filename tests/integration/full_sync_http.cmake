# The HTTP fallback transport: full syncs between two real daemons whose actor ports are
# closed (refusing TCP proxies), so every request and chunk goes through their HTTP ports.
tandem_add_test(full_sync_http_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_sync_http_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)
add_dependencies(full_sync_http_tests tandemd)
