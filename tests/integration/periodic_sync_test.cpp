// Periodic sync end to end: two daemons with their own PostgreSQL, interval 1 s. Each test
// starts from equal databases (a full sync), writes on one or both nodes, and waits
// (bounded) for the two databases to hold the same rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>
#include <thread>

#include "tests/support/app_transaction.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using namespace std::chrono;

class PeriodicSync : public ::testing::Test {
 protected:
  // `schema`: SQL run on both databases before the daemons start (tables of a test's own).
  void start_nodes(const std::string& policy = "last_writer_wins", const std::string& schema = "") {
    n_ = std::make_unique<TwoNodes>(0.02, false);
    if (!schema.empty()) {
      n_->db_a.exec(schema);
      n_->db_b.exec(schema);
    }
    for (auto* node : {n_->a.get(), n_->b.get()}) {
      node->config()["sync"]["periodic_interval_s"] = 1;
      node->config()["sync"]["conflict_policy"] = policy;
    }
    n_->a->start();
    n_->b->start();
    auto id = n_->b->start_full_sync("pull", "a").json().value("sessionId", "");
    ASSERT_EQ(n_->b->wait_finished(id).value("state", ""), "succeeded") << n_->b->log();
    ASSERT_TRUE(converged(seconds(5)));
  }

  // Writes made on both nodes while periodic sync is paused on both, so that they meet as
  // a conflict in the first rounds after; each write runs 50 ms after the one before it,
  // in order (the later one wins under last_writer_wins).
  void while_paused(const std::vector<std::pair<PgSandbox*, std::string>>& writes) {
    ASSERT_EQ(n_->a->post("/api/admin/sync/periodic/pause").status, 200);
    ASSERT_EQ(n_->b->post("/api/admin/sync/periodic/pause").status, 200);
    std::this_thread::sleep_for(milliseconds(1500));  // let a running round end
    for (std::size_t i = 0; i < writes.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(milliseconds(50));
      writes[i].first->exec(writes[i].second);
    }
    ASSERT_EQ(n_->a->post("/api/admin/sync/periodic/resume").status, 200);
    ASSERT_EQ(n_->b->post("/api/admin/sync/periodic/resume").status, 200);
  }

  bool converged(milliseconds timeout) {
    return wait_until([&] { return TwoNodes::fingerprint(n_->db_a) == TwoNodes::fingerprint(n_->db_b); },
                      timeout, milliseconds(200));
  }

  json periodic(const TandemNode& node) {
    auto p = node.get("/api/admin/sync/periodic").json();
    return p["peers"].empty() ? json::object() : p["peers"][0];
  }

  std::unique_ptr<TwoNodes> n_;
};

TEST_F(PeriodicSync, ChangesFlowBothWaysAndNothingEchoes) {
  start_nodes();
  // On a: a customer, its order and two lines in one transaction (a foreign-key chain),
  // a price change and a deletion.
  n_->db_a.exec(R"SQL(BEGIN;
    INSERT INTO customers (id, public_id, name, email) VALUES
      (10000001, '00000000-0000-0000-0000-00000000a001', 'Ann Périodique', 'ann@a.test');
    INSERT INTO orders (id, customer_id, status, ordered_at, total)
      VALUES (10000001, 10000001, 'paid', now(), 12.50);
    INSERT INTO order_items VALUES (10000001, 1, 1, 1, 10.00), (10000001, 2, 2, 1, 2.50);
    COMMIT;
    UPDATE products SET price = price + 1 WHERE id = 3;
    DELETE FROM "AuditLog" WHERE id = (SELECT id FROM "AuditLog" ORDER BY id LIMIT 1);)SQL");
  // On b: a product and an order note.
  n_->db_b.exec(R"SQL(INSERT INTO products (id, sku, name, price) VALUES (20000001, 'B-1', 'From B', 4.20);
    UPDATE orders SET note = 'edited on b' WHERE id = (SELECT min(id) FROM orders);)SQL");
  ASSERT_TRUE(converged(seconds(20))) << TwoNodes::fingerprint(n_->db_a) << TwoNodes::fingerprint(n_->db_b)
                                      << n_->a->log() << n_->b->log();
  EXPECT_EQ(n_->db_b.scalar("SELECT count(*) FROM order_items WHERE order_id = 10000001"), "2");
  EXPECT_EQ(n_->db_a.scalar("SELECT name FROM products WHERE id = 20000001"), "From B");

  // No echo: with no writes, nothing keeps flowing.
  auto applied_a = periodic(*n_->a).value("applied", 0);
  auto applied_b = periodic(*n_->b).value("applied", 0);
  EXPECT_GT(applied_a + applied_b, 0);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(periodic(*n_->a).value("applied", 0), applied_a);
  EXPECT_EQ(periodic(*n_->b).value("applied", 0), applied_b);
  EXPECT_EQ(periodic(*n_->b).value("pending", -1), 0) << periodic(*n_->b).dump();
  EXPECT_EQ(n_->db_b.scalar("SELECT count(*) FROM tandem.change_log WHERE origin <> 'b'"), "0");
}

TEST_F(PeriodicSync, ABurstOfTenThousandChangesPerSideConverges) {
  start_nodes();
  n_->db_a.exec(R"SQL(INSERT INTO "AuditLog" (id, "entityType", "entityId", action, payload, "createdAt")
    SELECT md5('a' || g)::uuid, 'burst', g, 'insert', jsonb_build_object('g', g), now()
    FROM generate_series(1, 10000) g)SQL");
  n_->db_b.exec(R"SQL(INSERT INTO "AuditLog" (id, "entityType", "entityId", action, payload, "createdAt")
    SELECT md5('b' || g)::uuid, 'burst', g, 'insert', jsonb_build_object('g', g), now()
    FROM generate_series(1, 10000) g)SQL");
  auto t0 = steady_clock::now();
  ASSERT_TRUE(converged(seconds(60))) << n_->a->log() << n_->b->log();
  auto secs = duration<double>(steady_clock::now() - t0).count();
  EXPECT_EQ(n_->db_a.scalar(R"(SELECT count(*) FROM "AuditLog" WHERE "entityType" = 'burst')"), "20000");
  std::cout << "20,000 changes (10,000 each way) converged in " << secs << " s\n";
}

TEST_F(PeriodicSync, ConflictLastWriterWins) {
  start_nodes();
  ASSERT_NO_FATAL_FAILURE(while_paused({{&n_->db_a, "UPDATE products SET name = 'a wrote first' WHERE id = 5"},
                                        {&n_->db_b, "UPDATE products SET name = 'b wrote last' WHERE id = 5"}}));
  ASSERT_TRUE(converged(seconds(20)));
  EXPECT_EQ(n_->db_a.scalar("SELECT name FROM products WHERE id = 5"), "b wrote last");
  // Every conflict is recorded and shown: each node's API lists what its table holds.
  std::size_t shown = 0;
  for (auto* node : {n_->a.get(), n_->b.get()}) {
    auto& db = node == n_->a.get() ? n_->db_a : n_->db_b;
    auto list = node->get("/api/admin/sync/periodic/conflicts").json()["conflicts"];
    EXPECT_EQ(std::to_string(list.size()), db.scalar("SELECT count(*) FROM tandem.conflicts"));
    for (const auto& c : list) {
      EXPECT_EQ(c.value("table", ""), "public.products") << c.dump();
      EXPECT_EQ(c["key"], json({{"id", 5}})) << c.dump();
      EXPECT_EQ(c.value("policy", ""), "last_writer_wins");
      EXPECT_EQ(c["remote"].value("origin", ""), node == n_->a.get() ? "b" : "a") << c.dump();
      // b's version is the later one: on a it is the remote one and wins, on b it stays.
      const auto& kept = c.value("winner", "") == "remote" ? c["remote"] : c["local"];
      EXPECT_EQ(kept["row"].value("name", ""), "b wrote last") << c.dump();
      ++shown;
    }
  }
  EXPECT_GE(shown, 1u);
}

// A change b's schema refuses is quarantined on b and shown by its API; the admin
// removes the cause and retries it, or discards one that no longer matters.
TEST_F(PeriodicSync, AQuarantinedChangeIsShownThenRetriedOrDiscardedThroughTheApi) {
  start_nodes();
  n_->db_b.exec("ALTER TABLE products ADD CONSTRAINT price_cap CHECK (price < 10000)");
  n_->db_a.exec("UPDATE products SET price = 25000 WHERE id = 5; UPDATE products SET price = 30000 WHERE id = 6");
  json held;
  ASSERT_TRUE(wait_until([&] {
    held = n_->b->get("/api/admin/sync/periodic/quarantine").json();
    return held.value("total", 0) == 2;
  }, seconds(20), milliseconds(200))) << held.dump() << n_->b->log();
  ASSERT_EQ(held["changes"].size(), 2u);
  const json first = held["changes"][0];
  EXPECT_EQ(first.value("peer", ""), "a");
  EXPECT_EQ(first.value("table", ""), "public.products");
  EXPECT_EQ(first.value("op", ""), "update");
  EXPECT_EQ(first["key"], json({{"id", 5}}));
  EXPECT_EQ(first["row"].value("price", ""), "25000.00") << first.dump();
  EXPECT_NE(first.value("error", "").find("price_cap"), std::string::npos) << first.dump();
  EXPECT_GE(periodic(*n_->b).value("quarantined", 0), 2);
  EXPECT_EQ(periodic(*n_->b).value("quarantineHeld", -1), 2);
  EXPECT_NE(n_->b->get("/metrics").body.find("tandem_periodic_quarantine_held{peer=\"a\"} 2"), std::string::npos);
  const std::string id5 = std::to_string(first.value("id", 0));
  const std::string id6 = std::to_string(held["changes"][1].value("id", 0));

  auto still = n_->b->post("/api/admin/sync/periodic/quarantine/" + id5 + "/retry");
  EXPECT_EQ(still.status, 409) << still.body;
  EXPECT_NE(still.json().value("error", "").find("still fails"), std::string::npos) << still.body;

  n_->db_b.exec("ALTER TABLE products DROP CONSTRAINT price_cap");
  auto applied = n_->b->post("/api/admin/sync/periodic/quarantine/" + id5 + "/retry");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.json().value("message", ""), "applied");
  EXPECT_EQ(n_->db_b.scalar("SELECT price FROM products WHERE id = 5"), "25000.00");
  auto discarded = n_->b->post("/api/admin/sync/periodic/quarantine/" + id6 + "/discard");
  ASSERT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_EQ(n_->b->get("/api/admin/sync/periodic/quarantine").json().value("total", -1), 0);
  EXPECT_NE(n_->b->log().find("quarantined change " + id6 + " from a on public.products {\"id\": 6} discarded"),
            std::string::npos) << n_->b->log();
  // Product 6 stays as b had it until someone writes it again; then both nodes agree.
  EXPECT_NE(n_->db_b.scalar("SELECT price FROM products WHERE id = 6"), "30000.00");
  n_->db_a.exec("UPDATE products SET price = 31000 WHERE id = 6");
  EXPECT_TRUE(converged(seconds(20))) << n_->b->log();
}

// A full sync from the peer writes its snapshot's rows; the quarantined changes from that
// peer which the snapshot holds are dropped in the same commit (nothing left to retry).
TEST_F(PeriodicSync, AFullSyncFromThePeerDropsTheQuarantinedChangesItsSnapshotHolds) {
  start_nodes();
  n_->db_b.exec("ALTER TABLE products ADD CONSTRAINT price_cap CHECK (price < 10000)");
  n_->db_a.exec("UPDATE products SET price = 25000 WHERE id = 5");
  ASSERT_TRUE(wait_until([&] { return n_->db_b.scalar("SELECT count(*) FROM tandem.quarantine") == "1"; },
                         seconds(20), milliseconds(200))) << n_->b->log();
  n_->db_b.exec("ALTER TABLE products DROP CONSTRAINT price_cap");
  auto id = n_->b->start_full_sync("pull", "a").json().value("sessionId", "");
  ASSERT_EQ(n_->b->wait_finished(id).value("state", ""), "succeeded") << n_->b->log();
  EXPECT_EQ(n_->db_b.scalar("SELECT count(*) FROM tandem.quarantine"), "0");
  EXPECT_EQ(n_->db_b.scalar("SELECT price FROM products WHERE id = 5"), "25000.00");
  EXPECT_NE(n_->b->log().find(id + ": dropped 1 quarantined change(s) from a: the full sync's snapshot holds their rows"),
            std::string::npos) << n_->b->log();
}

// A key that holds a timestamptz and a bytea, written by applications whose sessions
// print them differently (time zone, bytea_output): both mean the same row, so the
// conflict must be seen (were the keys compared as each session prints them, each node
// would take the other's version and they would stay apart for good).
TEST_F(PeriodicSync, AConflictOnATimestampKeyIsSeenWhateverTheWritersSessionSettings) {
  start_nodes("last_writer_wins",
              "CREATE TABLE public.readings (taken_at timestamptz, sensor bytea, value int NOT NULL,"
              " PRIMARY KEY (taken_at, sensor));"
              "INSERT INTO public.readings VALUES ('2026-01-01 09:00:00+00', 'hi'::bytea, 10)");
  ASSERT_NO_FATAL_FAILURE(while_paused(
      {{&n_->db_a, "SET TimeZone = 'Asia/Tokyo'; SET bytea_output = 'escape'; UPDATE readings SET value = 11"},
       {&n_->db_b, "SET TimeZone = 'America/New_York'; UPDATE readings SET value = 12"}}));
  const std::string value = "SELECT value FROM readings";
  ASSERT_TRUE(wait_until([&] { return n_->db_a.scalar(value) == n_->db_b.scalar(value); }, seconds(20),
                         milliseconds(200)))
      << "a holds " << n_->db_a.scalar(value) << ", b holds " << n_->db_b.scalar(value);
  EXPECT_EQ(n_->db_a.scalar(value), "12") << "b wrote last";
  EXPECT_GE(std::stoi(n_->db_a.scalar("SELECT count(*) FROM tandem.conflicts")) +
                std::stoi(n_->db_b.scalar("SELECT count(*) FROM tandem.conflicts")),
            1);
}

TEST_F(PeriodicSync, ConflictPreferNode) {
  start_nodes("prefer_node:a");
  ASSERT_NO_FATAL_FAILURE(while_paused({{&n_->db_b, "UPDATE products SET name = 'b wrote first' WHERE id = 6"},
                                        {&n_->db_a, "UPDATE products SET name = 'a is preferred' WHERE id = 6"},
                                        {&n_->db_b, "UPDATE products SET name = 'b wrote last' WHERE id = 6"}}));
  ASSERT_TRUE(converged(seconds(20)));
  EXPECT_EQ(n_->db_b.scalar("SELECT name FROM products WHERE id = 6"), "a is preferred");
}

TEST_F(PeriodicSync, DemoRowsNeverCross) {
  start_nodes();
  n_->db_a.exec(R"SQL(INSERT INTO customers (id, public_id, name, email, is_demo) VALUES
      (10000002, '00000000-0000-0000-0000-00000000a002', 'Demo Dan', 'demo@a.test', true),
      (10000003, '00000000-0000-0000-0000-00000000a003', 'Real Rita', 'rita@a.test', false))SQL");
  ASSERT_TRUE(wait_until([&] { return n_->db_b.scalar("SELECT count(*) FROM customers WHERE id = 10000003") == "1"; },
                         seconds(20)));
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(n_->db_b.scalar("SELECT count(*) FROM customers WHERE id = 10000002"), "0");
}

TEST_F(PeriodicSync, WritesDuringAFullSyncArriveAfterwardsExactlyOnce) {
  start_nodes();
  // A slow pull (capped) so the writes land while it runs. Mirror mode: the nodes already
  // converged, and a merge would ship only the key ranges that differ (range diff), if any.
  auto id = n_->b->start_full_sync("pull", "a", {{"mode", "mirror"}, {"compressionEnabled", false},
                                                 {"bandwidthLimitMBps", 0.2}})
                .json().value("sessionId", "");
  ASSERT_FALSE(id.empty());
  n_->b->wait_progress(id, [](const json& p) { return p.value("phase", "") == "transfer"; });
  n_->db_a.exec(R"SQL(INSERT INTO "AuditLog" (id, "entityType", "entityId", action, "createdAt")
    SELECT md5('during' || g)::uuid, 'during', g, 'insert', now() FROM generate_series(1, 500) g)SQL");
  // The next round (within the 1 s interval) sees the full sync and stands aside.
  EXPECT_TRUE(wait_until([&] { return periodic(*n_->b).value("state", "") == "paused_full_sync"; },
                         seconds(5)))
      << periodic(*n_->b).dump();
  ASSERT_EQ(n_->b->wait_finished(id).value("state", ""), "succeeded");
  ASSERT_TRUE(converged(seconds(20)));
  EXPECT_EQ(n_->db_b.scalar(R"(SELECT count(*) FROM "AuditLog" WHERE "entityType" = 'during')"), "500");
}

TEST_F(PeriodicSync, ADaemonKilledMidApplyResumesWithoutLoss) {
  start_nodes();
  n_->db_a.exec(R"SQL(INSERT INTO "AuditLog" (id, "entityType", "entityId", action, "createdAt")
    SELECT md5('kill' || g)::uuid, 'kill', g, 'insert', now() FROM generate_series(1, 20000) g)SQL");
  ASSERT_TRUE(wait_until([&] {
    return std::stoi(n_->db_b.scalar(R"(SELECT count(*) FROM "AuditLog" WHERE "entityType" = 'kill')")) > 0;
  }, seconds(20)));
  n_->b->kill9();
  n_->b->start();
  ASSERT_TRUE(converged(seconds(40))) << n_->b->log();
  EXPECT_EQ(n_->db_b.scalar(R"(SELECT count(*) FROM "AuditLog" WHERE "entityType" = 'kill')"), "20000");
}

// An application transaction on b holds the row a change from a must update: b's round
// waits for it, and b's periodic status says which process holds it up; once that
// transaction commits the change arrives and the status clears.
TEST_F(PeriodicSync, AnApplyHeldUpByALockSaysByWhomThenGoesOn) {
  start_nodes();
  AppTransaction app(n_->db_b, "SELECT * FROM products WHERE id = 3 FOR UPDATE");
  const std::string pid = app.pid();
  n_->db_a.exec("UPDATE products SET price = price + 1 WHERE id = 3");

  json held;
  ASSERT_TRUE(wait_until([&] {
    held = periodic(*n_->b);
    return held["blockedBy"].is_string();
  }, seconds(20))) << held.dump()
                    << n_->db_b.scalar("SELECT string_agg(application_name || ': ' || coalesce(state, '') || ' ' || "
                                       "coalesce(wait_event_type, '') || ' ' || left(query, 60), E'\\n') "
                                       "FROM pg_stat_activity WHERE datname = current_database()")
                    << n_->b->log();
  const std::string why = held["blockedBy"].get<std::string>();
  EXPECT_NE(why.find("periodic apply a waits for a lock held by process " + pid +
                     " (application \"shop\", idle in transaction"),
            std::string::npos)
      << why;
  EXPECT_NE(n_->b->log().find("peer a: held up: periodic apply a waits for a lock"), std::string::npos) << n_->b->log();
  // The waiting change counts in the lag (held 2 s or more before it shows as held up).
  EXPECT_GE(held.value("lagSeconds", 0.0), 2.0) << held.dump();

  ASSERT_TRUE(app.exec("COMMIT").ok());
  ASSERT_TRUE(converged(seconds(20))) << n_->b->log();
  EXPECT_TRUE(wait_until([&] { return periodic(*n_->b)["blockedBy"].is_null(); }, seconds(5)))
      << periodic(*n_->b).dump();
}

// Three nodes: while b is the target of a full sync from a, b applies no changes from c
// either (they would contend with the restore for its rows, and a lock cycle could end
// the restore); c's changes made meanwhile arrive once the full sync is over. Applied
// during it instead (as before), c's change was overwritten by the restore of a's rows
// and, c's cursor having moved past it, never came back: this test caught that too.
TEST(PeriodicSyncThreeNodes, AFullSyncIntoANodePausesItsAppliesFromEveryPeer) {
  TwoNodes n(0.02, false);
  PgSandbox db_c;
  ASSERT_TRUE(db_c.load_sample_app(0.02, false).ok());
  char tmpl[] = "/tmp/tandem-third.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    TandemNode c("c", "Server C", dir, db_c);
    n.b->add_peer(c);
    c.add_peer(*n.b);
    for (auto* node : {n.a.get(), n.b.get(), &c}) node->config()["sync"]["periodic_interval_s"] = 1;
    n.a->start();
    n.b->start();
    c.start();
    auto peer_state = [&](const std::string& peer) {
      const json answer = n.b->get("/api/admin/sync/periodic").json();
      for (const auto& p : answer["peers"])
        if (p.value("peer", "") == peer) return p.value("state", "");
      return std::string("(no such peer)");
    };
    // Rounds with both peers running before the full sync starts.
    ASSERT_TRUE(wait_until([&] { return peer_state("a") == "idle" && peer_state("c") == "idle"; }, seconds(20)))
        << n.b->get("/api/admin/sync/periodic").json().dump() << n.b->log() << c.log();
    // Mirror mode ships every row (no range diff): ~0.37 MB at 0.05 MB/s, ~7 s.
    auto id = session_id_of(n.b->start_full_sync(
        "pull", "a", {{"mode", "mirror"}, {"compressionEnabled", false}, {"bandwidthLimitMBps", 0.05}}));
    ASSERT_FALSE(id.empty());
    n.b->wait_progress(id, [](const json& p) { return p.value("phase", "") == "transfer"; });
    db_c.exec("UPDATE products SET name = 'renamed on c' WHERE id = 2");
    EXPECT_TRUE(wait_until([&] { return peer_state("c") == "paused_full_sync"; }, seconds(5)))
        << n.b->get("/api/admin/sync/periodic").json().dump();
    auto now = n.b->wait_progress(id, [](const json&) { return true; });
    EXPECT_EQ(now.value("state", ""), "running") << "the pause must be seen while the full sync runs\n"
                                                 << now.dump() << n.b->log();
    ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
    // Then c's change, made during the full sync, arrives.
    EXPECT_TRUE(wait_until([&] { return n.db_b.scalar("SELECT name FROM products WHERE id = 2") == "renamed on c"; },
                           seconds(20)))
        << n.b->log();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace tandem::test
