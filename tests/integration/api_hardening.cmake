# The API against two real daemons: a table of bad requests with their status and
# field, 300 seeded random bodies per mutating route (no 5xx, daemon still healthy),
# and (only when TANDEM_BENCH_API=1, via tools/bench-api) a full sync timed alone and
# while four clients poll its progress at 10/s each.
tandem_add_test(api_hardening_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/api_hardening_test.cpp
  LIBS tandem_test_support tandem_actors Poco::Net Poco::Foundation
  TIMEOUT 300
  FILTER "-ApiBench.*")  # the benchmark case runs only through tools/bench-api
add_dependencies(api_hardening_tests tandemd)
