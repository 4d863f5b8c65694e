# Notifications: building the message from a session, retry/back-off bookkeeping (pure;
# no network), and the durable outbox in a temp dir.
tandem_add_test(notify_unit_tests LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/notify_notification_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/notify_delivery_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/notify_outbox_test.cpp
  LIBS tandem_notify)
