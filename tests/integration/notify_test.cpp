// Notifications against real receivers on 127.0.0.1: the webhook channel (retry after
// 503s, no retry after a 4xx, giving up on an unreachable URL), the e-mail channel (an
// SMTP sink checks envelope, subject and body; a 550 is not retried), two daemons
// that notify on a succeeded and on a failed pull — each node its own admins — and a
// notification still pending when the daemon stops, delivered once after its restart.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "notify/delivery.hpp"
#include "notify/smtp.hpp"
#include "notify/webhook.hpp"
#include "tests/integration/notify_receivers.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using namespace std::chrono;
using nlohmann::json;

void real_sleep(milliseconds d) { std::this_thread::sleep_for(d); }

Notification failed_pull() {
  Session s = make_session("fs-00000000000000cd", Direction::pull, "a", "b", "b", {}, 1'000);
  s.state = State::failed;
  s.phase = Phase::restore;
  s.last_error = "restore: table public.orders: column note is integer";
  s.finished_at = 2'000;
  auto n = make_notification(s, "b");
  EXPECT_TRUE(n.ok());
  return *n;
}

TEST(NotifyWebhook, RetriesAfterTwo503sAndDeliversTheJson) {
  WebhookReceiver receiver(2, 503);
  NotifyConfig cfg;
  cfg.webhook = receiver.url("/hooks/tandem?x=1");
  Notification n = failed_pull();
  auto ds = deliveries_for(cfg, n);  // the real policy: waits 1 s, then 2 s
  ASSERT_EQ(ds.size(), 1u);
  auto t0 = steady_clock::now();
  deliver_blocking(ds[0], real_sleep);
  auto took = steady_clock::now() - t0;

  EXPECT_TRUE(ds[0].delivered()) << (ds[0].last_error() ? ds[0].last_error()->describe() : "");
  EXPECT_EQ(ds[0].tries(), 3);
  EXPECT_GE(took, milliseconds(3'000)) << "back-off 1 s + 2 s";
  auto posts = receiver.posts();
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0].answered, 503);
  EXPECT_EQ(posts[1].answered, 503);
  EXPECT_EQ(posts[2].answered, 200);
  EXPECT_EQ(posts[2].path, "/hooks/tandem?x=1");
  EXPECT_EQ(posts[2].content_type, "application/json");
  auto body = json::parse(posts[2].body);
  EXPECT_EQ(body, n.body);
  EXPECT_EQ(body["event"], "full_sync.failed");
  EXPECT_EQ(body["sessionId"], "fs-00000000000000cd");
}

TEST(NotifyWebhook, A400IsNotRetried) {
  WebhookReceiver receiver(100, 400);
  auto out = post_webhook(receiver.url(), "{}");
  ASSERT_FALSE(out.ok());
  EXPECT_FALSE(out.retryable);
  EXPECT_NE(out.error->message.find("400"), std::string::npos) << out.error->message;
  EXPECT_EQ(receiver.posts().size(), 1u);
}

TEST(NotifyWebhook, UnreachableReceiverIsRetriedThenGivenUp) {
  NotifyConfig cfg;
  cfg.webhook = "http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/hook";
  auto ds = deliveries_for(cfg, failed_pull(), RetryPolicy{2, milliseconds(10)}, seconds(2));
  deliver_blocking(ds[0], real_sleep);
  EXPECT_FALSE(ds[0].delivered());
  EXPECT_EQ(ds[0].tries(), 3);
  ASSERT_TRUE(ds[0].last_error());
  EXPECT_EQ(ds[0].last_error()->field, *cfg.webhook) << "the error names the URL";
}

TEST(NotifyWebhook, MalformedOrForeignUrlIsRefused) {
  auto ftp = post_webhook("ftp://127.0.0.1/x", "{}");
  ASSERT_FALSE(ftp.ok());
  EXPECT_FALSE(ftp.retryable);
  EXPECT_NE(ftp.error->message.find("ftp"), std::string::npos);
}

TEST(NotifySmtp, SinkReceivesSubjectRecipientsAndText) {
  SmtpSink sink;
  SmtpConfig smtp{"127.0.0.1", static_cast<std::uint16_t>(sink.port()), "tandem@b.test",
                  {"admin@b.test", "oncall@b.test"}};
  Notification n = failed_pull();
  auto out = send_mail(smtp, n.subject, n.text);
  ASSERT_TRUE(out.ok()) << out.error->describe();
  ASSERT_TRUE(sink.wait_for(1, seconds(5)));
  auto mail = sink.mails()[0];
  EXPECT_EQ(mail.from, "tandem@b.test");
  EXPECT_EQ(mail.to, (std::vector<std::string>{"admin@b.test", "oncall@b.test"}));
  EXPECT_NE(mail.data.find("Subject: " + n.subject), std::string::npos) << mail.data;
  EXPECT_NE(mail.data.find("restore: table public.orders"), std::string::npos) << mail.data;
  EXPECT_TRUE(mail.quit);
}

TEST(NotifySmtp, RejectedRecipientIsNotRetried) {
  SmtpSink sink(/*reject_recipients=*/true);
  NotifyConfig cfg;
  cfg.smtp = SmtpConfig{"127.0.0.1", static_cast<std::uint16_t>(sink.port()), "tandem@b.test",
                        {"nobody@b.test"}};
  auto ds = deliveries_for(cfg, failed_pull(), RetryPolicy{3, milliseconds(10)});
  ASSERT_EQ(ds.size(), 1u);
  deliver_blocking(ds[0], real_sleep);
  EXPECT_FALSE(ds[0].delivered());
  EXPECT_EQ(ds[0].tries(), 1);
  ASSERT_TRUE(ds[0].last_error());
  EXPECT_EQ(ds[0].last_error()->code, "smtp_refused") << ds[0].last_error()->describe();
}

TEST(NotifySmtp, NoServerIsRetryable) {
  SmtpConfig smtp{"127.0.0.1", static_cast<std::uint16_t>(free_tcp_port()), "t@b", {"a@b"}};
  auto out = send_mail(smtp, "s", "t", seconds(2));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.retryable);
  EXPECT_EQ(out.error->field, "127.0.0.1:" + std::to_string(smtp.port));
}

// ---- two daemons ----------------------------------------------------------------------

json notify_config(const WebhookReceiver& hook, const SmtpSink* sink) {
  json n = {{"webhook", hook.url()}};
  if (sink)
    n["smtp"] = {{"host", "127.0.0.1"}, {"port", sink->port()}, {"from", "tandem@b.test"},
                 {"to", {"admin@b.test"}}};
  return n;
}

TEST(NotifyDaemons, SucceededPullNotifiesEachNodesAdmins) {
  TwoNodes n(0.02, false);
  WebhookReceiver hook_a, hook_b;
  SmtpSink sink_b;
  n.a->config()["notify"] = notify_config(hook_a, nullptr);
  n.b->config()["notify"] = notify_config(hook_b, &sink_b);
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();

  ASSERT_TRUE(hook_b.wait_for(1, seconds(15))) << n.b->log();
  auto body = json::parse(hook_b.posts()[0].body);
  EXPECT_EQ(body["event"], "full_sync.succeeded");
  EXPECT_EQ(body["sessionId"], id);
  EXPECT_EQ(body["node"], "b");
  EXPECT_EQ(body["direction"], "pull");
  EXPECT_EQ(body["source"], "a");
  EXPECT_EQ(body["target"], "b");
  EXPECT_EQ(body["state"], "succeeded");
  EXPECT_TRUE(body["error"].is_null());
  EXPECT_GT(body["bytes"].get<std::uint64_t>(), 0u);
  EXPECT_GT(body["rows"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(body["finishedAt"].is_string());

  // The source's admins hear it from node a.
  ASSERT_TRUE(hook_a.wait_for(1, seconds(15))) << n.a->log();
  auto from_a = json::parse(hook_a.posts()[0].body);
  EXPECT_EQ(from_a["event"], "full_sync.succeeded");
  EXPECT_EQ(from_a["sessionId"], id);
  EXPECT_EQ(from_a["node"], "a");

  ASSERT_TRUE(sink_b.wait_for(1, seconds(15))) << n.b->log();
  auto mail = sink_b.mails()[0];
  EXPECT_EQ(mail.to, std::vector<std::string>{"admin@b.test"});
  EXPECT_NE(mail.data.find("Subject: [tandem] Full sync succeeded: Server A -> Server B (pull, " + id + ")"),
            std::string::npos)
      << mail.data;

  // Exactly one notification per node and channel.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(hook_b.posts().size(), 1u);
  EXPECT_EQ(hook_a.posts().size(), 1u);
  EXPECT_EQ(sink_b.mails().size(), 1u);
}

TEST(NotifyDaemons, FailedPullNotifiesWithTheErrorNamingTheTable) {
  TwoNodes n(0.02, false);
  n.db_b.exec("ALTER TABLE orders ALTER COLUMN note TYPE integer USING NULL");
  WebhookReceiver hook_b(1, 503);  // one refusal on the way: the daemon retries too
  n.b->config()["notify"] = notify_config(hook_b, nullptr);
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  auto done = n.b->wait_finished(id);
  ASSERT_EQ(done.value("state", ""), "failed") << done.dump();

  ASSERT_TRUE(hook_b.wait_for(2, seconds(15))) << n.b->log();
  auto posts = hook_b.posts();
  EXPECT_EQ(posts[0].answered, 503);
  EXPECT_EQ(posts[1].answered, 200);
  auto body = json::parse(posts[1].body);
  EXPECT_EQ(body["event"], "full_sync.failed");
  EXPECT_EQ(body["sessionId"], id);
  EXPECT_EQ(body["state"], "failed");
  ASSERT_TRUE(body["error"].is_string()) << body.dump();
  EXPECT_NE(body["error"].get<std::string>().find("orders"), std::string::npos) << body.dump();
}

// The files in `dir` whose names end with `suffix`, as paths.
std::vector<std::string> files_ending(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(it->path().string());
  }
  return out;
}

TEST(NotifyDaemons, PendingNotificationSurvivesARestartAndArrivesOnce) {
  TwoNodes n(0.02, false);
  n.db_b.exec("ALTER TABLE orders ALTER COLUMN note TYPE integer USING NULL");
  WebhookReceiver hook_b(1'000'000, 500);  // refuses until accept_all()
  n.b->config()["notify"] = notify_config(hook_b, nullptr);
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "failed") << n.b->log();

  // Refused at once and again after 1 s; the next retry would come 2 s later.
  ASSERT_TRUE(hook_b.wait_for(2, seconds(15))) << n.b->log();
  const std::string outbox = n.b->state_dir() + "/outbox";
  ASSERT_EQ(files_ending(outbox, ".json").size(), 1u);
  n.b->stop();  // SIGTERM while the notification waits for its retry
  const std::size_t refused = hook_b.posts().size();
  EXPECT_EQ(hook_b.answered(200), 0u);

  // Still in the outbox, with what it says and the tries it spent.
  auto pending = files_ending(outbox, ".json");
  ASSERT_EQ(pending.size(), 1u) << n.b->log();
  auto kept = json::parse(std::ifstream(pending[0]), nullptr, false);
  ASSERT_FALSE(kept.is_discarded()) << pending[0];
  EXPECT_EQ(kept["sessionId"], id);
  EXPECT_EQ(kept["event"], "full_sync.failed");
  EXPECT_EQ(kept["channel"], "webhook");
  EXPECT_GE(kept["tries"].get<int>(), 1);
  EXPECT_NE(n.b->log().find("kept in the outbox"), std::string::npos) << n.b->log();

  hook_b.accept_all();  // the receiver is back while the daemon is down
  const std::string torn = outbox + "/fs-00000000000000aa+full_sync.failed+webhook.json";
  std::ofstream(torn) << "{\"format\": 1, \"sessionId\": ";  // must not stop the start
  n.b->start();
  ASSERT_TRUE(hook_b.wait_for(refused + 1, seconds(15))) << n.b->log();
  std::this_thread::sleep_for(seconds(4));  // longer than the back-off it was in: no repeat

  auto posts = hook_b.posts();
  EXPECT_EQ(posts.size(), refused + 1);
  EXPECT_EQ(hook_b.answered(200), 1u) << "exactly once";
  auto body = json::parse(posts.back().body);
  EXPECT_EQ(body["event"], "full_sync.failed");
  EXPECT_EQ(body["sessionId"], id);
  EXPECT_EQ(body["node"], "b");
  EXPECT_NE(body["error"].get<std::string>().find("orders"), std::string::npos) << body.dump();
  EXPECT_EQ(posts.back().body, posts.front().body) << "the same message as before the stop";
  EXPECT_TRUE(files_ending(outbox, ".json").empty()) << "delivered: no longer pending";
  EXPECT_EQ(files_ending(outbox, ".sent").size(), 1u);
  EXPECT_NE(n.b->log().find("resumed from the outbox"), std::string::npos) << n.b->log();
  EXPECT_TRUE(std::filesystem::exists(torn + ".bad"));
  EXPECT_NE(n.b->log().find(torn), std::string::npos) << "the log names the file";
}

}  // namespace
}  // namespace tandem::test
