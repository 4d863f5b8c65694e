# tandemctl against two real daemons: exit codes, progress output, every command.
tandem_add_test(cli_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_test.cpp
  LIBS tandem_test_support
  TIMEOUT 300)
add_dependencies(cli_tests tandemd tandemctl)
