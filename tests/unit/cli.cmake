# Unit tests of tandemctl's pure parts: arguments, URLs, text, the progress bar, views.
tandem_add_test(cli_unit_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/cli_args_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cli_progress_bar_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cli_views_test.cpp
  LIBS tandem_cli)
