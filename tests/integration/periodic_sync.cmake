# Periodic sync between two real daemons (interval 1 s): both directions, bursts,
# conflicts under both policies, the full-sync handoff, demo rows, a killed daemon.
tandem_add_test(periodic_sync_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/periodic_sync_test.cpp
  LIBS tandem_test_support
  TIMEOUT 240)
add_dependencies(periodic_sync_tests tandemd)
