# Spool tests (persistence/spool): chunk files, codec, durable writes, manifest.
# No PostgreSQL. ctest names start with "spool_tests.Spool".
tandem_add_test(spool_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/spool_chunk_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/spool_codec_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/spool_durable_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/spool_manifest_test.cpp
  LIBS tandem_spool)
