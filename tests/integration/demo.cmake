# tools/demo in check mode: two sandbox clusters with the sample app, two tandemd, both
# /healthz 200, then everything stopped and removed. Needs the tandemd target (built into
# this build tree, so the test uses that binary rather than build/tandemd).
if(TARGET tandemd)
  add_test(NAME demo_check COMMAND ${PROJECT_SOURCE_DIR}/tools/demo --no-setup --check)
  set(_demo_env "TANDEMD=$<TARGET_FILE:tandemd>")
  if(TARGET tandemctl)
    list(APPEND _demo_env "TANDEMCTL=$<TARGET_FILE:tandemctl>")
  endif()
  set_tests_properties(demo_check PROPERTIES
    LABELS integration
    TIMEOUT 300
    ENVIRONMENT "${_demo_env}")
endif()
