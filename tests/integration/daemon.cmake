tandem_add_test(daemon_process_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/daemon_process_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)
target_compile_definitions(daemon_process_tests PRIVATE TANDEMD_PATH="$<TARGET_FILE:tandemd>")
add_dependencies(daemon_process_tests tandemd)
