# Fault tests of a full sync between two real daemons: kill -9 of either node in every
# phase, a cut or frozen peer link (through an in-process TCP proxy), cancel from either
# node, a peer that is down, clearing a stalled session, and a restore that loses a
# deadlock to an application transaction.
tandem_add_test(full_sync_fault_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/full_sync_crash_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/full_sync_network_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/full_sync_cancel_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/full_sync_conflict_test.cpp
  LIBS tandem_test_support
  TIMEOUT 90)
add_dependencies(full_sync_fault_tests tandemd)
