# Periodic-sync benchmark (a program, not a test; nothing is registered with ctest):
# tools/bench-periodic builds and runs it. Two daemons on durable sandbox clusters, a
# steady writer on a; changes applied per second and change→applied latency on b.
# tools/bench-periodic builds tandemd beside it (TANDEMD picks another binary).
add_executable(bench_periodic ${PROJECT_SOURCE_DIR}/tests/bench/bench_periodic.cpp)
target_link_libraries(bench_periodic PRIVATE tandem_bench_support tandem_test_support tandem_warnings)
