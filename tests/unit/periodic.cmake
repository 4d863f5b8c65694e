# Periodic sync, pure parts (persistence/periodic): the conflict rule and the batch's
# wire JSON. No PostgreSQL. ctest names start with "periodic_tests.".
tandem_add_test(periodic_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/periodic_conflict_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/periodic_batch_json_test.cpp
  LIBS tandem_periodic)
