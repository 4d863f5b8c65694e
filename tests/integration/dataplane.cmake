# Data-plane integration tests: backup on one sandbox cluster, convert + restore + verify
# on another (two PgSandbox clusters per suite).
add_library(tandem_dataplane_test_support STATIC
  ${CMAKE_CURRENT_LIST_DIR}/dataplane_test_support.cpp)
target_link_libraries(tandem_dataplane_test_support
  PUBLIC tandem_dataplane tandem_test_support GTest::gtest
  PRIVATE tandem_warnings)

# One binary per suite, each <name>_tests from <name>_test.cpp; the suites that load more
# data get more time.
foreach(suite dataplane_types dataplane_shapes dataplane_modes dataplane_safety
              dataplane_sample_app row_hash dataplane_range_diff dataplane_index_rebuild)
  set(_dataplane_timeout 120)
  if(suite STREQUAL "dataplane_sample_app")
    set(_dataplane_timeout 180)
  elseif(suite STREQUAL "row_hash")
    set(_dataplane_timeout 60)
  endif()
  tandem_add_test(${suite}_tests LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${suite}_test.cpp
    LIBS tandem_dataplane_test_support
    TIMEOUT ${_dataplane_timeout})
endforeach()
