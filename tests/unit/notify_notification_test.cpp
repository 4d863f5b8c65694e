// The notification of an ended session: its event, JSON body, subject and text.
#include <gtest/gtest.h>

#include "notify/notification.hpp"

namespace tandem {
namespace {

// A pull of node a's data into node b that ended in `outcome` at restore.
Session ended(State outcome) {
  Session s = make_session("fs-00000000000000ab", Direction::pull, "a", "b", "b", {}, 1'000);
  s.state = outcome;
  s.phase = Phase::restore;
  s.progress(Phase::backup).started_at = 1'764'072'000'123;  // 2025-11-25T12:00:00.123Z
  s.progress(Phase::backup).rows_done = 4'321;
  s.progress(Phase::transfer).bytes_done = 987'654;
  s.finished_at = 1'764'072'065'007;
  return s;
}

TEST(NotifyMessage, EventNamesFollowTheOutcome) {
  EXPECT_STREQ(notification_event(State::succeeded), "full_sync.succeeded");
  EXPECT_STREQ(notification_event(State::failed), "full_sync.failed");
  EXPECT_STREQ(notification_event(State::cancelled), "full_sync.cancelled");
  for (State live : {State::queued, State::running, State::waiting_peer, State::cancelling})
    EXPECT_EQ(notification_event(live), nullptr) << to_string(live);
}

TEST(NotifyMessage, SucceededBodyCarriesEveryField) {
  Session s = ended(State::succeeded);
  s.last_error = "peer lost (recovered)";  // a retry it recovered from is not news
  auto n = make_notification(s, "b");
  ASSERT_TRUE(n.ok()) << n.error().describe();
  const auto& j = n->body;
  EXPECT_EQ(n->event, "full_sync.succeeded");
  EXPECT_EQ(j["event"], "full_sync.succeeded");
  EXPECT_EQ(j["sessionId"], "fs-00000000000000ab");
  EXPECT_EQ(j["direction"], "pull");
  EXPECT_EQ(j["source"], "a");
  EXPECT_EQ(j["target"], "b");
  EXPECT_EQ(j["state"], "succeeded");
  EXPECT_EQ(j["phase"], "restore");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["startedAt"], "2025-11-25T12:00:00.123Z");
  EXPECT_EQ(j["finishedAt"], "2025-11-25T12:01:05.007Z");
  EXPECT_EQ(j["bytes"], 987'654);
  EXPECT_EQ(j["rows"], 4'321);
  EXPECT_EQ(j["node"], "b");
  EXPECT_EQ(j["sourceName"], "a") << "no names given: the ids";
  EXPECT_EQ(j.size(), 15u) << j.dump();
}

TEST(NotifyMessage, FailedCarriesTheErrorInBodySubjectAndText) {
  Session s = ended(State::failed);
  s.last_error = "restore: column \"note\" of table public.orders is integer";
  auto n = make_notification(s, "b");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->body["event"], "full_sync.failed");
  EXPECT_EQ(n->body["error"], s.last_error);
  EXPECT_NE(n->subject.find("failed"), std::string::npos) << n->subject;
  EXPECT_NE(n->subject.find("a -> b (pull, "), std::string::npos) << n->subject;
  EXPECT_NE(n->subject.find(s.id), std::string::npos) << n->subject;
  EXPECT_NE(n->text.find("Error:     " + s.last_error), std::string::npos) << n->text;
  EXPECT_NE(n->text.find("Rows:      4321"), std::string::npos) << n->text;
  EXPECT_NE(n->text.find("node b"), std::string::npos) << n->text;
}

// Named as the panel names them, with the ids kept beside the names.
TEST(NotifyMessage, NodesAreNamedAsTheConfigNamesThem) {
  Session s = ended(State::succeeded);
  auto n = make_notification(s, "b", {{"a", "Server A"}, {"b", "Server B"}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->subject, "[tandem] Full sync succeeded: Server A -> Server B (pull, fs-00000000000000ab)");
  EXPECT_EQ(n->body["sourceName"], "Server A");
  EXPECT_EQ(n->body["targetName"], "Server B");
  EXPECT_EQ(n->body["source"], "a") << "ids stay for machines";
  EXPECT_NE(n->text.find("Source:    Server A (a)"), std::string::npos) << n->text;
  EXPECT_NE(n->text.find("reported by node Server B (b)"), std::string::npos) << n->text;
}

TEST(NotifyMessage, CancelledNamesWhoCancelled) {
  Session s = ended(State::cancelled);
  s.cancel_reason = "admin on b";
  auto n = make_notification(s, "a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->body["event"], "full_sync.cancelled");
  EXPECT_EQ(n->body["error"], "admin on b");
  EXPECT_EQ(n->body["node"], "a");
}

TEST(NotifyMessage, NeverStartedUsesAcceptanceTimeAndNullFinish) {
  Session s = make_session("fs-1", Direction::push, "a", "b", "a", {}, 1'764'072'000'000);
  s.state = State::failed;
  s.last_error = "the target refused";
  auto n = make_notification(s, "a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->body["startedAt"], "2025-11-25T12:00:00.000Z");
  EXPECT_TRUE(n->body["finishedAt"].is_null());
  EXPECT_EQ(n->body["direction"], "push");
  EXPECT_NE(n->text.find("Finished:  -"), std::string::npos) << n->text;
}

TEST(NotifyMessage, LiveSessionIsNotNews) {
  Session s = ended(State::running);
  auto n = make_notification(s, "b");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "not_terminal");
  EXPECT_NE(n.error().message.find(s.id), std::string::npos);
}

}  // namespace
}  // namespace tandem
