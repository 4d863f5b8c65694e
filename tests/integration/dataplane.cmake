# Data-plane integration tests: backup on one sandbox cluster, convert + restore + verify
# on another (two PgSandbox clusters per suite).
add_library(tandem_dataplane_test_support STATIC
  ${CMAKE_CURRENT_LIST_DIR}/dataplane_test_support.cpp)
target_link_libraries(tandem_dataplane_test_support
  PUBLIC tandem_dataplane tandem_test_support GTest::gtest
  PRIVATE tandem_warnings)

tandem_add_test(dataplane_types_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_types_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)

tandem_add_test(dataplane_shapes_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_shapes_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)

tandem_add_test(dataplane_modes_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_modes_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)

tandem_add_test(dataplane_safety_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_safety_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)

tandem_add_test(dataplane_sample_app_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_sample_app_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 180)

tandem_add_test(row_hash_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/row_hash_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 60)

tandem_add_test(dataplane_range_diff_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_range_diff_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)

tandem_add_test(dataplane_index_rebuild_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataplane_index_rebuild_test.cpp
  LIBS tandem_dataplane_test_support
  TIMEOUT 120)
