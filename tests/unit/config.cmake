tandem_add_test(config_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/config_pattern_test.cpp
  LIBS tandem_config)
