# Unit tests of the pure full-sync state machine (statemachine/).
tandem_add_test(statemachine_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_table_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_flow_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_session_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_progress_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_random_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/statemachine_json_test.cpp
  LIBS tandem_statemachine)
