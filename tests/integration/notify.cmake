# Notifications against a webhook receiver and an SMTP sink that the tests start on
# 127.0.0.1, and two real daemons notifying on a succeeded and a failed pull.
tandem_add_test(notify_tests LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/notify_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/notify_receivers.cpp
  LIBS tandem_notify tandem_test_support Poco::Net Poco::Foundation
  TIMEOUT 300)
add_dependencies(notify_tests tandemd)
