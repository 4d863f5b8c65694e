# Data plane, pure parts (persistence/dataplane): how the activity watch reads what the
# sync's backends are doing. No PostgreSQL (the full-sync fault tests run it for real).
tandem_add_test(dataplane_unit_tests LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_activity_test.cpp
  LIBS tandem_dataplane)
