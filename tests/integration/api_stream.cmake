tandem_add_test(api_stream_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/api_stream_test.cpp
  LIBS tandem_test_support Poco::Net Poco::Foundation
  TIMEOUT 180)
add_dependencies(api_stream_tests tandemd)
