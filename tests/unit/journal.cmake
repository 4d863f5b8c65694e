# Journal tests (persistence/journal*). ctest names start with "Journal".
tandem_add_test(journal_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/journal_conformance_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/journal_sqlite_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/journal_faulty_test.cpp
  LIBS tandem_persistence)

# The crash test SIGKILLs this child while it commits (see journal_crash_child.cpp).
add_executable(journal_crash_child ${CMAKE_CURRENT_LIST_DIR}/journal_crash_child.cpp)
target_link_libraries(journal_crash_child PRIVATE tandem_persistence tandem_root tandem_warnings)
tandem_add_test(journal_crash_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/journal_crash_test.cpp
  LIBS tandem_persistence
  TIMEOUT 120)
target_compile_definitions(journal_crash_test PRIVATE
  JOURNAL_CRASH_CHILD="$<TARGET_FILE:journal_crash_child>")
add_dependencies(journal_crash_test journal_crash_child)

# Benchmark (not a test): tools/bench-journal builds and runs it.
add_executable(bench_journal ${PROJECT_SOURCE_DIR}/tests/bench/bench_journal.cpp)
target_link_libraries(bench_journal PRIVATE tandem_persistence tandem_root tandem_warnings)
