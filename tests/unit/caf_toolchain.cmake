# Proves the CAF 0.17 toolchain (FindCAF, core + io) builds and runs here, before the
# actors that depend on it land.
tandem_add_test(caf_toolchain_tests LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/caf_toolchain_test.cpp
  LIBS CAF::io
  TIMEOUT 60)
