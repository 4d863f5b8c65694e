tandem_add_test(supervision_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/supervision_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)
add_dependencies(supervision_tests tandemd)
