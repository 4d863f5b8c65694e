# Throwaway PostgreSQL clusters (tests/support, tools/pg-sandbox) and the sample app.
tandem_add_test(sandbox_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sandbox_cluster_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sandbox_sample_app_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)

# The leftover test runs this helper as a child: it starts a sandbox, reports it, then
# fails (or waits to be killed). Not registered with ctest on its own.
add_executable(sandbox_leftover_child ${CMAKE_CURRENT_LIST_DIR}/sandbox_leftover_child.cpp)
target_link_libraries(sandbox_leftover_child PRIVATE tandem_test_support GTest::gtest
                      GTest::gtest_main tandem_root tandem_warnings)

tandem_add_test(sandbox_leftover_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sandbox_leftover_test.cpp
  LIBS tandem_test_support
  TIMEOUT 120)
target_compile_definitions(sandbox_leftover_test PRIVATE
  SANDBOX_LEFTOVER_CHILD="$<TARGET_FILE:sandbox_leftover_child>")
add_dependencies(sandbox_leftover_test sandbox_leftover_child)
