# Periodic sync (interval 1 s) while PostgreSQL's pgbench writes on node a; b must
# converge to a with nothing quarantined. About 35 s: pgbench itself runs for 15 s.
tandem_add_test(periodic_pgbench_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/periodic_pgbench_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)
add_dependencies(periodic_pgbench_tests tandemd)
