tandem_add_test(pg_catalog_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pg_catalog_test.cpp
  LIBS tandem_pg tandem_test_support
  TIMEOUT 120)
