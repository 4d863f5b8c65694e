# The control panel in a real browser: each case starts two real tandemd nodes (with
# PostgreSQL) and drives their panels with Debian's chromium through playwright-core
# (tests/e2e/package-lock.json; tools/setup installs both).
tandem_add_test(panel_e2e_tests LABEL e2e
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/panel_test.cpp
  LIBS tandem_test_support
  TIMEOUT 180)
add_dependencies(panel_e2e_tests tandemd)

# The embedded files themselves: every asset the panel references is in the binary.
tandem_add_test(panel_assets_tests LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/panel_assets_test.cpp
  LIBS tandem_ui
  TIMEOUT 30)
