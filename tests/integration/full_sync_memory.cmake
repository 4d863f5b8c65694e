# The same full sync twenty times: neither daemon's resident size keeps growing.
tandem_add_test(full_sync_memory_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_sync_memory_test.cpp
  LIBS tandem_bench_support tandem_test_support
  TIMEOUT 300)
add_dependencies(full_sync_memory_tests tandemd)
