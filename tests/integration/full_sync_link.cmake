tandem_add_test(full_sync_link_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_sync_link_test.cpp
  LIBS tandem_test_support CAF::io
  TIMEOUT 180)
add_dependencies(full_sync_link_tests tandemd)
