# Data-plane benchmark (a program, not a test; nothing is registered with ctest):
# tools/bench-dataplane builds and runs it. Two durable sandbox clusters, tandem's
# backup/restore/verify against pg_dump|pg_restore and the bare staging-merge floor.
add_executable(bench_dataplane ${PROJECT_SOURCE_DIR}/tests/bench/bench_dataplane.cpp)
# tandem_bench_support is defined in bench_full_sync.cmake (CMake resolves the name
# at generate time, so the include order does not matter).
target_link_libraries(bench_dataplane PRIVATE
  tandem_dataplane tandem_bench_support tandem_test_support tandem_root tandem_warnings)
