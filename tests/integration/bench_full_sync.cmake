# Full-sync benchmark (a program, not a test; nothing is registered with ctest):
# tools/bench-full-sync builds and runs it, with tandemd beside it. Per size, two durable
# sandbox clusters and two real daemons: pg_dump|pg_restore, per-row UPSERT and a tandem
# pull full sync, with the seed's floors as PASS/FAIL checks.
# tandem_bench_support (tests/bench/bench_support.*) holds what benchmarks share: clocks,
# peak RSS, the pg_dump|pg_restore baseline, database clones, the machine's description.
add_library(tandem_bench_support STATIC ${PROJECT_SOURCE_DIR}/tests/bench/bench_support.cpp
            ${PROJECT_SOURCE_DIR}/tests/bench/cpu_sampler.cpp)
target_link_libraries(tandem_bench_support PUBLIC tandem_test_support PRIVATE tandem_spool tandem_warnings)

add_executable(bench_full_sync ${PROJECT_SOURCE_DIR}/tests/bench/bench_full_sync.cpp)
target_link_libraries(bench_full_sync PRIVATE tandem_bench_support tandem_test_support tandem_warnings)
