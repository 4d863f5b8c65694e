# Unit tests of the HTTP edge with a fake node: routing, auth, request validation and
# bounds, the OpenAPI file against the registered routes, and the server's limits
# (413, slow clients) on a real socket.
tandem_add_test(http_unit_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/http_router_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_json_bounds_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_openapi_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_server_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_peer_routes_test.cpp
  LIBS tandem_http tandem_ui Poco::Net Poco::Foundation
  TIMEOUT 120)
