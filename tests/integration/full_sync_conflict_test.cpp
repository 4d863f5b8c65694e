// A full sync into a database an application is using: the restore holds the rows it has
// merged until its commit, and an application transaction can end up in a lock cycle
// with it. PostgreSQL then ends one of the two; when that is the restore, the session
// must not fail: the restore rolled back whole, so the job runs it again (a retryable
// failure, statemachine/transition.cpp) and the sync succeeds. The same for a restore
// whose connection the server ends. And verify leaves out the rows the application
// wrote meanwhile (its change log says which), and only those. A restore held up by an application's lock shows as stalled and
// names the transaction holding it; one statement that works longer than the stall
// timeout (a slow application trigger here; the merge of a huge table in real life) does
// not show as stalled.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/app_transaction.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(FullSyncConflict, ARestoreEndedByADeadlockRunsAgainAndSucceeds) {
  TwoNodes n(0.05, false);
  // Two rows of b the restore will rewrite: a customer (merged early, parents first)
  // and an order line (merged last).
  n.db_b.exec("UPDATE customers SET name = name || ' (b)' WHERE id = (SELECT min(id) FROM customers);"
              "UPDATE order_items SET quantity = quantity + 1000 "
              "WHERE (order_id, line_no) = (SELECT order_id, line_no FROM order_items ORDER BY 1, 2 LIMIT 1)");
  n.a->start();
  n.b->start();
  // Capture in place first: its install would otherwise queue behind the application too.
  ASSERT_TRUE(wait_until([&] { return n.b->log().find("change capture installed") != std::string::npos; },
                         seconds(20)));
  // The application: a transaction holding that order line.
  AppTransaction app(n.db_b, "UPDATE order_items SET quantity = quantity WHERE (order_id, line_no) = "
                            "(SELECT order_id, line_no FROM order_items ORDER BY 1, 2 LIMIT 1)");
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  // The restore waits for the application's order line (for the application itself: a
  // short wait for a staging table's lock, before the customers are merged, is not it)...
  const std::string app_pid = app.pid();
  ASSERT_TRUE(wait_until(
      [&] {
        return n.db_b.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tandemd restore' "
                             "AND " + app_pid + " = ANY(pg_blocking_pids(pid))") != "0";
      },
      seconds(30)))
      << n.b->log();
  // ...and the application now asks for the customer the restore holds: a cycle.
  // PostgreSQL ends the one whose deadlock_timeout runs out first; the application's is
  // long, so that is the restore's however busy the machine (with both at 1 s, a loaded
  // machine once let the application's check run first).
  Status customer = app.exec(
      "SET deadlock_timeout = '20s'; UPDATE customers SET name = name WHERE id = (SELECT min(id) FROM customers)");
  EXPECT_TRUE(customer.ok()) << customer.error().describe();
  ASSERT_TRUE(app.exec("ROLLBACK").ok());

  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_NE(n.b->log().find("failed(retryable: restore"), std::string::npos) << n.b->log();
  EXPECT_NE(n.b->log().find("deadlock detected"), std::string::npos) << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

// The same for a lost server: the restore's connection is ended under it (as a restart
// or a failover of the target's PostgreSQL would); the restore runs again.
TEST(FullSyncConflict, ARestoreWhoseConnectionIsCutRunsAgainAndSucceeds) {
  TwoNodes n(0.05, false);
  n.b->env().push_back("TANDEM_FAILPOINTS=restore_chunk=sleep:100");  // a restore that lasts
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  // The restore transaction's connection: the one of that name whose transaction has
  // written (the worker's planning connection has the same name, and while one of its
  // catalog queries runs it has a transaction too, but no xid; ending it proved nothing,
  // 1 run in ~10 on CI). Ended in the same statement that finds it, so it cannot have
  // committed in between.
  const std::string cut = "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                          " WHERE application_name = 'tandemd restore' AND backend_xid IS NOT NULL";
  ASSERT_TRUE(wait_until([&] { return n.db_b.scalar(cut) != "0"; }, seconds(30))) << n.b->log();

  auto done = n.b->wait_finished(id, seconds(90));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_NE(n.b->log().find("failed(retryable: restore"), std::string::npos) << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

// Two nodes whose target b holds each sync 3 s before verify reads, with capture on.
struct HeldBeforeVerify : TwoNodes {
  explicit HeldBeforeVerify(double scale = 0.05, const std::string& age_script = "age.sql")
      : TwoNodes(scale, false, {}, age_script) {
    b->env().push_back("TANDEM_FAILPOINTS=verify_start=sleep:3000");
    a->start();
    b->start();
    capture_on = wait_until([&] { return b->log().find("change capture installed") != std::string::npos; },
                            seconds(20));
  }
  // Starts a pull into b and returns its id once it is in verify's hold ("" if not).
  std::string pull_until_verify(const json& options = json::object()) {
    auto started = b->start_full_sync("pull", "a", options);
    last_answer = std::to_string(started.status) + " " + started.body;
    std::string id = session_id_of(started);
    if (id.empty()) return id;
    auto at = b->wait_phase(id, "verify");
    last_answer = at.dump();
    return at.value("phase", "") == "verify" ? id : "";
  }
  // Waits for the session to succeed with verify naming `left_out` ("public.x: 1, …") as
  // what it left out of the comparison; the failure's message otherwise.
  std::string succeeded_leaving_out(const std::string& id, const std::string& left_out) {
    auto done = b->wait_finished(id, seconds(60));
    if (done.value("state", "") != "succeeded") return "not succeeded: " + done.dump() + b->log();
    if (b->log().find("keys written on this node during the sync (its change log): " + left_out) == std::string::npos)
      return "verify did not leave out " + left_out + ": " + b->log();
    return "";
  }
  bool capture_on = false;
  std::string last_answer;  // of the last start or wait, for a failure's message
};

// Rows the application changes on the target while the sync runs (here between the
// restore's commit and verify) make the target differ from the snapshot. Verify leaves
// the keys this node's change log shows written out of both sides, so the sync succeeds
// and says what it left out; a change that bypassed capture is still a mismatch, named.
TEST(FullSyncConflict, VerifyLeavesOutWhatTheApplicationWroteMeanwhileAndNothingElse) {
  HeldBeforeVerify n;
  ASSERT_TRUE(n.capture_on) << n.b->log();
  std::string id = n.pull_until_verify();
  ASSERT_FALSE(id.empty()) << n.last_answer << n.b->log();
  n.db_b.exec("UPDATE products SET name = 'renamed by the application' WHERE id = (SELECT min(id) FROM products);"
              "DELETE FROM order_items WHERE (order_id, line_no) = "
              "(SELECT order_id, line_no FROM order_items ORDER BY 1, 2 LIMIT 1)");

  ASSERT_EQ(n.succeeded_leaving_out(id, "public.products: 1, public.order_items: 1"), "");
  // The session's own log (panel, `tandemctl show`) says it too.
  EXPECT_NE(n.b->session_detail(id).dump().find("verify: verified 5 tables; left out of the comparison"),
            std::string::npos)
      << n.b->session_detail(id).dump();

  // Again, but one of the writes is made where capture cannot see it: that table fails.
  // (Once the source has the end too: until then it still holds its one-sync lock.)
  ASSERT_EQ(n.a->wait_finished(id, seconds(20)).value("state", ""), "succeeded");
  id = n.pull_until_verify();
  ASSERT_FALSE(id.empty()) << n.last_answer << n.b->log();
  n.db_b.exec("UPDATE products SET name = 'renamed again' WHERE id = (SELECT max(id) FROM products);"
              "SET session_replication_role = replica;"  // no trigger fires: not in the change log
              "UPDATE customers SET name = 'renamed unseen' WHERE id = (SELECT min(id) FROM customers)");
  auto failed = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(failed.value("state", ""), "failed") << failed.dump() << n.b->log();
  const std::string error = failed.value("error", "");
  EXPECT_NE(error.find("in 1 table(s): public.customers: "), std::string::npos) << error;
}

// A range-diffed table (b's copy aged at the new end of the keys, so its old ranges hash
// alike and are not shipped): rows the application changes in such a range during the
// sync are left out with their whole range, whose snapshot sums the digest holds.
TEST(FullSyncConflict, VerifyLeavesOutWritesInRangesTheRangeDiffDidNotShip) {
  HeldBeforeVerify n(0.1, "age-recent.sql");
  ASSERT_TRUE(n.capture_on) << n.b->log();
  std::string id = n.pull_until_verify();
  ASSERT_FALSE(id.empty()) << n.last_answer << n.b->log();
  n.db_b.exec("UPDATE order_items SET quantity = quantity + 1 WHERE (order_id, line_no) = "
              "(SELECT order_id, line_no FROM order_items ORDER BY 1, 2 LIMIT 1);"
              "DELETE FROM order_items WHERE (order_id, line_no) = "
              "(SELECT order_id, line_no FROM order_items ORDER BY 1, 2 OFFSET 5 LIMIT 1)");
  ASSERT_EQ(n.succeeded_leaving_out(id, "public.order_items: 2"), "");
  // The range diff did leave rows out: fewer were loaded than a holds.
  const std::string log = n.b->log();
  const auto at = log.find("restore: rows loaded ");
  ASSERT_NE(at, std::string::npos) << log;
  const long loaded = std::stol(log.substr(at + 21));
  const long total = std::stol(n.db_a.scalar(
      "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)"
      " + (SELECT count(*) FROM products) + (SELECT count(*) FROM \"AuditLog\")"));
  EXPECT_LT(loaded, total) << "every row was shipped: the range diff did not run, the test proves nothing";
}

// Mirror mode compares whole tables: a row the application inserts on the target during
// the sync, and one it deletes, are left out the same way.
TEST(FullSyncConflict, MirrorVerifyLeavesOutRowsTheApplicationInsertedOrDeleted) {
  HeldBeforeVerify n;
  ASSERT_TRUE(n.capture_on) << n.b->log();
  std::string id = n.pull_until_verify({{"mode", "mirror"}});
  ASSERT_FALSE(id.empty()) << n.last_answer << n.b->log();
  n.db_b.exec("INSERT INTO \"AuditLog\" VALUES (gen_random_uuid(), 'shop', 1, 'login', NULL, now());"
              "DELETE FROM \"AuditLog\" WHERE id = (SELECT id FROM \"AuditLog\" ORDER BY id LIMIT 1)");
  ASSERT_EQ(n.succeeded_leaving_out(id, "public.AuditLog: 2"), "");
}

// A table empty on the target before the sync is loaded directly (no staging table to
// tell the snapshot's rows by): verify stages its chunks when it must compare it again,
// and leaves out what the application wrote meanwhile the same way.
TEST(FullSyncConflict, VerifyLeavesOutWritesInATableThatWasLoadedDirectly) {
  HeldBeforeVerify n;
  ASSERT_TRUE(n.capture_on) << n.b->log();
  n.db_b.exec("TRUNCATE \"AuditLog\"");  // no row trigger fires: nothing in the change log
  std::string id = n.pull_until_verify();
  ASSERT_FALSE(id.empty()) << n.last_answer << n.b->log();
  n.db_b.exec("UPDATE \"AuditLog\" SET action = 'changed by the application'"
              " WHERE id = (SELECT id FROM \"AuditLog\" ORDER BY id LIMIT 1);"
              "DELETE FROM \"AuditLog\" WHERE id = (SELECT id FROM \"AuditLog\" ORDER BY id DESC LIMIT 1)");
  ASSERT_EQ(n.succeeded_leaving_out(id, "public.AuditLog: 2"), "");
  EXPECT_NE(n.b->log().find("empty tables loaded directly 1"), std::string::npos) << n.b->log();
}

// An application transaction holds a row the restore must update, longer than the stall
// timeout: the session shows as stalled and says which process holds the lock and what
// it is doing; once that transaction ends, the restore goes on and succeeds.
TEST(FullSyncConflict, ARestoreWaitingForALockShowsWhoHoldsIt) {
  TwoNodes n(0.05, false);
  AppTransaction app = start_holding_the_first_customer(n);
  const std::string app_pid = app.pid();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());

  auto stalled = n.b->wait_progress(id, [](const json& p) { return p.value("stalled", false); }, seconds(40));
  ASSERT_TRUE(stalled.value("stalled", false)) << stalled.dump() << n.b->log();
  EXPECT_EQ(stalled.value("phase", ""), "restore") << stalled.dump();
  ASSERT_TRUE(stalled["blockedBy"].is_string()) << stalled.dump();
  const std::string why = stalled["blockedBy"].get<std::string>();
  EXPECT_NE(why.find("restore waits for a lock held by process " + app_pid + " (application \"shop\", idle in "
                     "transaction"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("FOR UPDATE"), std::string::npos) << why;
  auto listed = n.b->get("/api/admin/sync/sessions").json();
  EXPECT_NE(listed.dump().find("held by process " + app_pid), std::string::npos) << listed.dump();

  ASSERT_TRUE(app.exec("COMMIT").ok());
  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_TRUE(done["blockedBy"].is_null()) << done.dump();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

// The same on the source: an application there holds an exclusive lock on a table the
// backup must read; the target's session (which drives it) shows who holds it up, as
// the source's backup status reports it, and goes on once the lock is released.
TEST(FullSyncConflict, ABackupWaitingForALockOnTheSourceShowsWhoHoldsIt) {
  TwoNodes n(0.05, false);
  n.b->config()["full_sync"]["stall_after_s"] = 5;
  n.a->start();
  n.b->start();
  AppTransaction app(n.db_a, "LOCK TABLE products IN ACCESS EXCLUSIVE MODE");
  const std::string app_pid = app.pid();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());

  auto stalled = n.b->wait_progress(id, [](const json& p) { return p["blockedBy"].is_string(); }, seconds(40));
  ASSERT_TRUE(stalled["blockedBy"].is_string()) << stalled.dump() << n.a->log() << n.b->log();
  EXPECT_EQ(stalled.value("phase", ""), "backup") << stalled.dump();
  const std::string why = stalled["blockedBy"].get<std::string>();
  EXPECT_NE(why.find("waits for a lock held by process " + app_pid + " (application \"shop\", idle in transaction"),
            std::string::npos)
      << why;
  EXPECT_EQ(why.rfind("backup", 0), 0u) << why;  // "backup waits…" or "backup checksums waits…"

  ASSERT_TRUE(app.exec("ROLLBACK").ok());
  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

// One statement of the restore runs 9 s (an application trigger on products that waits),
// with the stall timeout at 5 s: the activity watch sees it working, so the session never
// shows as stalled (before, it did after 5 s, and "clear stuck" would have thrown the
// restore away).
TEST(FullSyncConflict, AStatementLongerThanTheStallTimeoutIsNotAStall) {
  TwoNodes n(0.05, false);
  n.b->config()["full_sync"]["stall_after_s"] = 5;
  n.db_b.exec(
      "CREATE FUNCTION slow_rule() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN PERFORM pg_sleep(9); RETURN NULL; END $$;"
      "CREATE TRIGGER slow_rule BEFORE INSERT ON products FOR EACH STATEMENT EXECUTE FUNCTION slow_rule()");
  n.a->start();
  n.b->start();
  std::string id = n.b->pull_into_phase("a", "restore");
  ASSERT_FALSE(id.empty()) << "no pull restoring\n" << n.b->log();
  const auto restore_began = std::chrono::steady_clock::now();
  json seen_stalled;
  auto done = n.b->wait_progress(
      id,
      [&](const json& p) {
        if (p.value("stalled", false) && seen_stalled.is_null()) seen_stalled = p;
        const std::string state = p.value("state", "");
        return state == "succeeded" || state == "failed" || state == "cancelled";
      },
      seconds(60));
  const double restore_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restore_began).count();
  ASSERT_EQ(done.value("detailedState", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_GE(restore_s, 8.0) << "the slow statement did not run: the test proves nothing";
  EXPECT_TRUE(seen_stalled.is_null()) << "shown stalled while the restore worked: " << seen_stalled.dump();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

}  // namespace
}  // namespace tandem::test
