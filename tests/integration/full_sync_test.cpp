// Full sync end to end: two daemons, two PostgreSQL clusters, the HTTP API as an admin
// uses it. Pull and push, a re-run that changes nothing, the one-at-a-time lock on both
// nodes, bad requests, a node with the wrong secret and a push to a peer that is down.
#include <gtest/gtest.h>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;

std::string started_id(const HttpAnswer& a) {
  EXPECT_EQ(a.status, 202) << a.body;
  return a.json().value("sessionId", "");
}

TEST(FullSync, PullMakesTheTargetEqualAndBothNodesListIt) {
  TwoNodes n;
  ASSERT_NE(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  std::string id = started_id(n.b->start_full_sync("pull", "a"));
  auto done = n.b->wait_finished(id);
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(done["progress"], 100.0);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));

  // Same id on both nodes, both list it; the source's copy ends succeeded too.
  auto on_a = n.a->wait_finished(id, std::chrono::seconds(10));
  EXPECT_EQ(on_a.value("state", ""), "succeeded") << on_a.dump();
  // The detailed log names each step, on the target and on the source.
  for (auto* node : {n.b.get(), n.a.get()}) {
    auto log = node->get("/api/admin/sync/sessions/" + id).json()["log"];
    ASSERT_TRUE(log.is_array()) << node->id();
    std::string all = log.dump();
    EXPECT_NE(all.find("transfer"), std::string::npos) << node->id() << ": " << all;
    EXPECT_NE(all.find("succeeded"), std::string::npos) << node->id() << ": " << all;
  }
  for (auto* node : {n.a.get(), n.b.get()}) {
    auto list = node->get("/api/admin/sync/sessions?limit=5").json();
    ASSERT_FALSE(list["sessions"].empty()) << node->id();
    EXPECT_EQ(list["sessions"][0]["id"], id);
    EXPECT_EQ(list["sessions"][0]["direction"], "pull");
    EXPECT_EQ(list["sessions"][0]["source"], "a");
    EXPECT_EQ(list["sessions"][0]["target"], "b");
  }
}

// "rows loaded N" from the target's restore summary in its log, summed over every run.
std::uint64_t rows_loaded(const std::string& log) {
  std::uint64_t total = 0;
  for (std::size_t at = log.find("rows loaded "); at != std::string::npos; at = log.find("rows loaded ", at + 1))
    total += std::stoull(log.substr(at + 12));
  return total;
}

// Range diff: a copy that differs in a few key ranges gets only those ranges, over the
// actor link and over HTTP (the digest rides on the first backup request).
// Periodic sync would carry b's edits to a (a's first round comes 1 s after its start,
// whatever the interval) and make the next full sync a no-op, or give a the edits of
// the round before: tests that edit b pause it on both nodes first.
void pause_periodic_sync(TwoNodes& n) {
  for (auto* node : {n.a.get(), n.b.get()}) {
    ASSERT_EQ(node->post("/api/admin/sync/periodic/pause").status, 200) << node->id();
    ASSERT_TRUE(wait_until([&] {  // "paused" only once no round is running
      auto peers = node->get("/api/admin/sync/periodic").json()["peers"];
      return !peers.empty() && peers[0].value("state", "") == "paused";
    }, std::chrono::seconds(10))) << node->id() << node->log();
  }
}

TEST(FullSync, CopyThatDiffersInAFewRangesGetsOnlyThoseRanges) {
  TwoNodes n;
  ASSERT_NO_FATAL_FAILURE(pause_periodic_sync(n));
  std::string first = started_id(n.b->start_full_sync("pull", "a"));
  ASSERT_EQ(n.b->wait_finished(first).value("state", ""), "succeeded") << n.b->log();
  ASSERT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  const std::uint64_t all_rows = std::stoull(n.db_a.scalar(
      "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products) + "
      "(SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items) + "
      "(SELECT count(*) FROM \"AuditLog\")"));

  for (const char* method : {"actor", "http"}) {
    SCOPED_TRACE(method);
    n.db_b.exec("UPDATE orders SET note = 'older' WHERE id BETWEEN 100 AND 110;"
                   "DELETE FROM order_items WHERE order_id BETWEEN 300 AND 305;");
    ASSERT_NE(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
    const std::uint64_t before = rows_loaded(n.b->log());
    json options = json::object();
    if (std::string(method) == "http") options["method"] = "http";
    std::string id = started_id(n.b->start_full_sync("pull", "a", options));
    auto done = n.b->wait_finished(id);
    ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
    EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
    const std::uint64_t loaded = rows_loaded(n.b->log()) - before;
    EXPECT_GT(loaded, 0u);
    EXPECT_LT(loaded, all_rows / 4) << "of " << all_rows << " rows\n" << n.b->log();
    EXPECT_NE(n.a->log().find(id + ": backup started (range diff"), std::string::npos) << n.a->log();
  }

  // full_sync.range_diff false: no digest, every row moves.
  n.b->stop();
  n.b->config()["full_sync"]["range_diff"] = false;
  n.b->start();
  n.db_b.exec("UPDATE orders SET note = 'older' WHERE id = 100");
  const std::uint64_t before = rows_loaded(n.b->log());
  std::string id = started_id(n.b->start_full_sync("pull", "a"));
  ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
  EXPECT_GT(rows_loaded(n.b->log()) - before, all_rows * 9 / 10);  // all but the demo rows
  EXPECT_NE(n.a->log().find(id + ": backup started\n"), std::string::npos) << n.a->log();
}

// The range probe (dataplane/range_probe.hpp) between the daemons: order_items (over
// 50,000 rows at scale 1, so probed) changed in every tenth row has no key range alike,
// so both nodes log that it ships whole and the target does not digest it; the sync
// still converges. Over the actor link and over HTTP (the verdict rides on the backup
// status).
TEST(FullSync, ProbeTakesATableChangedInEveryRangeOutOfTheDigest) {
  TwoNodes n(1.0);
  ASSERT_NO_FATAL_FAILURE(pause_periodic_sync(n));
  ASSERT_GT(std::stoull(n.db_a.scalar("SELECT count(*) FROM order_items")), 50000u);
  for (const char* method : {"actor", "http"}) {
    SCOPED_TRACE(method);
    n.db_b.exec("UPDATE order_items SET quantity = quantity + 1 WHERE line_no = 1 AND order_id % 10 = 0");
    json options = json::object();
    if (std::string(method) == "http") options["method"] = "http";
    std::string id = started_id(n.b->start_full_sync("pull", "a", options));
    auto done = n.b->wait_finished(id, std::chrono::seconds(120));
    ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
    EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
    const std::string verdict = "public.order_items: 0 of 32 windows alike, ships whole";
    EXPECT_NE(n.a->log().find(id + ": range probe: "), std::string::npos) << n.a->log();
    EXPECT_NE(n.a->log().find(verdict), std::string::npos) << n.a->log();
    EXPECT_NE(n.b->log().find(id + ": range probe: "), std::string::npos) << n.b->log();
    EXPECT_NE(n.b->log().find(verdict), std::string::npos) << n.b->log();
    // The session's detailed log (panel, tandemctl show) says it too.
    std::string session_log = n.b->get("/api/admin/sync/sessions/" + id).json()["log"].dump();
    EXPECT_NE(session_log.find(verdict), std::string::npos) << session_log;
  }
}

TEST(FullSync, PushFromTheSourceAndReRunChangesNothing) {
  TwoNodes n;
  std::string id = started_id(n.a->start_full_sync("push", "b"));
  // The initiator answers for the session from the moment it said 202.
  auto first = n.a->get("/api/sync/backup-progress?sessionId=" + id);
  EXPECT_EQ(first.status, 200) << first.body;
  auto done = n.a->wait_finished(id);
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.a->log() << n.b->log();
  auto fp = TwoNodes::fingerprint(n.db_b);
  EXPECT_EQ(fp, TwoNodes::fingerprint(n.db_a));
  auto xmin_before = n.db_b.scalar("SELECT sum(xmin::text::bigint) FROM orders");

  std::string again = started_id(n.b->start_full_sync("pull", "a"));
  ASSERT_EQ(n.b->wait_finished(again).value("state", ""), "succeeded");
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), fp);
  EXPECT_EQ(n.db_b.scalar("SELECT sum(xmin::text::bigint) FROM orders"), xmin_before)
      << "a re-run rewrote rows that did not change";
}

// A push is followed on the node that started it, the source: it shows the transfer's
// speed and the time remaining as the target does.
TEST(FullSync, ThePushingNodeShowsSpeedAndTimeRemaining) {
  TwoNodes n(0.3);
  std::string id = started_id(n.a->start_full_sync("push", "b", {{"bandwidthLimitMBps", 0.2}}));
  json seen;
  bool shown = wait_until(
      [&] {
        seen = n.a->get("/api/sync/backup-progress?sessionId=" + id).json();
        return seen.value("phase", "") == "transfer" && seen.value("transferSpeed", 0.0) > 0 &&
               seen["estimatedTimeRemaining"].is_number();
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(shown) << seen.dump();
  EXPECT_EQ(n.a->post("/api/admin/sync/full-sync/" + id + "/cancel").status, 202);
  EXPECT_EQ(n.a->wait_finished(id).value("state", ""), "cancelled");
}

TEST(FullSync, SecondStartIsRefusedOnEitherNodeNamingTheRunningSession) {
  TwoNodes n(0.3);
  std::string id = started_id(n.b->start_full_sync("pull", "a", {{"bandwidthLimitMBps", 1}}));
  auto on_b = n.b->start_full_sync("pull", "a");
  EXPECT_EQ(on_b.status, 409) << on_b.body;
  EXPECT_EQ(on_b.json().value("sessionId", ""), id);
  // Node a is the source of the running session: a push from a is refused too.
  ASSERT_TRUE(wait_until([&] { return n.a->get("/api/sync/backup-progress?sessionId=" + id).status == 200; },
                         std::chrono::seconds(10)));
  auto on_a = n.a->start_full_sync("push", "b");
  EXPECT_EQ(on_a.status, 409) << on_a.body;
  EXPECT_EQ(on_a.json().value("sessionId", ""), id);
  auto c = n.b->post("/api/admin/sync/full-sync/" + id + "/cancel");
  EXPECT_EQ(c.status, 202) << c.body;
  EXPECT_EQ(n.b->wait_finished(id).value("state", ""), "cancelled");
}

TEST(FullSync, BadRequestsNameTheField) {
  TwoNodes n(0.01);
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  std::vector<Case> cases = {
      {"{", 400, ""},
      {R"({"action":"sideways","targetPeer":{"nodeId":"a"}})", 400, "action"},
      {R"({"action":"pull"})", 400, "targetPeer"},
      {R"({"action":"pull","targetPeer":{"nodeId":"zz"}})", 404, "targetPeer.nodeId"},
      {R"({"action":"pull","targetPeer":{"nodeId":"b"}})", 400, "targetPeer.nodeId"},
      {R"({"action":"pull","targetPeer":{"nodeId":"a"},"options":{"mode":"x"}})", 400, "options.mode"},
      {R"({"action":"pull","targetPeer":{"nodeId":"a"},"options":{"verifyAfterSync":"yes"}})", 400,
       "options.verifyAfterSync"},
      {R"({"action":"pull","targetPeer":{"nodeId":"a"},"bogus":1})", 400, "bogus"},
  };
  for (const auto& c : cases) {
    auto a = n.b->post("/api/admin/sync/full-sync", c.body);
    EXPECT_EQ(a.status, c.status) << c.body << " -> " << a.body;
    EXPECT_TRUE(a.json().contains("error")) << a.body;
    if (!c.field.empty()) {
      EXPECT_EQ(a.json().value("field", ""), c.field) << a.body;
    }
  }
  EXPECT_EQ(http_request(n.b->http_port(), "POST", "/api/admin/sync/full-sync", "", "{}").status, 401);
  EXPECT_EQ(http_request(n.b->http_port(), "GET", "/api/admin/sync/sessions", "wrong-token").status, 401);
  EXPECT_EQ(n.b->get("/api/sync/backup-progress?sessionId=fs-nope").status, 404);
  EXPECT_EQ(n.b->get("/api/sync/backup-progress?sessionId=../../etc").status, 400);
  EXPECT_EQ(n.b->get("/api/admin/sync/sessions?limit=0").status, 400);
}

TEST(FullSync, ANodeWithTheWrongSecretIsRefused) {
  TwoNodes n(0.01, false);
  n.a->config()["actor"]["secret"] = "not-the-shared-secret-at-all";
  n.b->config()["full_sync"]["peer_retry_limit"] = 2;  // fail soon
  n.a->start();
  n.b->start();
  auto peers = n.b->get("/api/admin/sync/peers").json();
  ASSERT_EQ(peers["nodes"].size(), 2u) << peers.dump();
  EXPECT_FALSE(peers["nodes"][1].value("reachable", true)) << peers.dump();
  ASSERT_TRUE(wait_until([&] { return n.a->log().find("wrong proof") != std::string::npos ||
                                      n.b->log().find("refused") != std::string::npos; },
                         std::chrono::seconds(15)))
      << n.a->log() << n.b->log();
  // A push from b needs a to take it: b waits and retries, then fails naming why.
  std::string id = started_id(n.b->start_full_sync("push", "a"));
  auto done = n.b->wait_finished(id, std::chrono::seconds(60));
  EXPECT_EQ(done.value("state", ""), "failed") << done.dump();
  EXPECT_NE(done.value("error", "").find("gave up after"), std::string::npos) << done.dump();
  EXPECT_NE(done.value("error", "").find("could not prove it knows actor.secret"), std::string::npos) << done.dump();
  EXPECT_TRUE(n.a->healthy() && n.b->healthy());
}

// SPEC, "What bad input gets": a peer that is down → the job waits and retries with
// back-off. A push is the target's to drive, so the source hands it over until it can.
TEST(FullSync, APushToAPeerThatIsDownWaitsAndGoesOnOnceItIsUp) {
  TwoNodes n(0.05, false);
  n.a->start();
  std::string id = started_id(n.a->start_full_sync("push", "b"));
  ASSERT_FALSE(id.empty());
  auto progress = n.a->get("/api/sync/backup-progress?sessionId=" + id);
  EXPECT_EQ(progress.json().value("state", ""), "running") << progress.body;
  auto detail = n.a->get("/api/admin/sync/sessions/" + id).json();
  EXPECT_NE(detail.value("error", "").find("peer b is unreachable"), std::string::npos) << detail.dump();
  n.b->start();
  auto done = n.a->wait_finished(id, std::chrono::seconds(90));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.a->log() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a));
  EXPECT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << "the target knows it too";
}

// A crash of the source while it waits for its target loses nothing: the restarted
// daemon goes on handing the push over.
TEST(FullSync, APushWaitingForItsPeerSurvivesARestartOfTheSource) {
  TwoNodes n(0.05, false);
  n.a->start();
  std::string id = started_id(n.a->start_full_sync("push", "b"));
  ASSERT_FALSE(id.empty());
  n.a->kill9();
  n.a->start();
  auto waiting = n.a->get("/api/sync/backup-progress?sessionId=" + id).json();
  EXPECT_EQ(waiting.value("detailedState", ""), "waiting_peer") << waiting.dump();
  n.b->start();
  auto done = n.a->wait_finished(id, std::chrono::seconds(90));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.a->log() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a));
}

TEST(FullSync, APushToAPeerThatStaysDownFailsNamingWhy) {
  TwoNodes n(0.01, false);
  n.a->config()["full_sync"]["peer_retry_limit"] = 2;
  n.a->start();
  const auto before = TwoNodes::fingerprint(n.db_b);
  std::string id = started_id(n.a->start_full_sync("push", "b"));
  auto done = n.a->wait_finished(id, std::chrono::seconds(60));
  EXPECT_EQ(done.value("state", ""), "failed") << done.dump();
  EXPECT_NE(done.value("error", "").find("gave up after 2 retries"), std::string::npos) << done.dump();
  EXPECT_NE(done.value("error", "").find("peer b is unreachable"), std::string::npos) << done.dump();
  // The lock is free again, a push still waiting can be cancelled, and b's data was
  // never touched.
  std::string again = started_id(n.a->start_full_sync("push", "b"));
  EXPECT_EQ(n.a->post("/api/admin/sync/full-sync/" + again + "/cancel").status, 202);
  EXPECT_EQ(n.a->wait_finished(again, std::chrono::seconds(30)).value("state", ""), "cancelled");
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), before);
}

}  // namespace
}  // namespace tandem::test
