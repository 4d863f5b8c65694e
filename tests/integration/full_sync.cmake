# Full sync between two real tandemd processes, each beside its own PostgreSQL.
tandem_add_test(full_sync_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_sync_test.cpp
  LIBS tandem_test_support
  TIMEOUT 300)
add_dependencies(full_sync_tests tandemd)
