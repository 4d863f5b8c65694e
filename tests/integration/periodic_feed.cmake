# Periodic sync's data plane on two real clusters (persistence/periodic): capture
# triggers, fetch by txid-snapshot windows, apply with conflicts and quarantine, cursors,
# pruning, a 10K burst (prints changes/s), real-schema types, and the quarantine's
# listing, retry and discard. No daemons.
tandem_add_test(periodic_feed_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/periodic_feed_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/periodic_quarantine_test.cpp
  LIBS tandem_periodic tandem_dataplane tandem_test_support
  TIMEOUT 180)
