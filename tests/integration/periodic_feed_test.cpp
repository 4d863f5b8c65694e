// Periodic sync's data plane between two sandbox clusters, driven the way a periodic
// round drives it: fetch on the source node, apply on the other, cursor carried over.
// Convergence is judged by the data plane's content checksums, not by the code under test.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "persistence/periodic/conflict_log.hpp"
#include "tests/integration/periodic_feed_fixture.hpp"

namespace tandem {
namespace {

using test::kItems;
using test::Node;
using test::PeriodicFeed;

TEST_F(PeriodicFeed, InsertUpdateDeleteEachWayWithoutEcho) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, 'a' || g, g FROM generate_series(1, 5) g;"
          "UPDATE items SET qty = 100 WHERE id = 2; DELETE FROM items WHERE id = 3;");
  EXPECT_EQ(sync(a_, b_).applied, 7u);
  EXPECT_EQ(sums(a_), sums(b_));
  EXPECT_EQ(count(b_, "SELECT qty FROM items WHERE id = 2"), 100);

  b_.exec("INSERT INTO items VALUES (10, 'b', 1); UPDATE items SET name = 'bee' WHERE id = 1;"
          "DELETE FROM items WHERE id = 5;");
  EXPECT_EQ(sync(b_, a_).applied, 3u);
  EXPECT_EQ(sums(a_), sums(b_));
  EXPECT_EQ(a_.scalar("SELECT name FROM items WHERE id = 1"), "bee");

  // No echo: what each node applied was not captured, so the rounds back are empty.
  EXPECT_EQ(count(b_, "SELECT count(*) FROM tandem.change_log"), 3);
  EXPECT_EQ(sync(a_, b_).applied, 0u);
  EXPECT_EQ(sync(b_, a_).applied, 0u);
  // An UPDATE that changes nothing is not a change.
  a_.exec("UPDATE items SET qty = qty");
  auto pending = pending_changes(*a_.conn, "a", "b");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 0u);
}

TEST_F(PeriodicFeed, UpdatesThatOnlyEqualityHidesAreCaptured) {
  start("CREATE TABLE m (id int PRIMARY KEY, price numeric, f float8, doc json, p point);");
  a_.exec("INSERT INTO m VALUES (1, 1.0, 0, '{\"a\":1}', '(1,1)'), (2, 2.0, 0, '{}', '(0,0)')");
  sync(a_, b_);
  ASSERT_EQ(sums(a_), sums(b_));
  // Equal under `=`, different in their bytes and in the checksum's text form.
  a_.exec("UPDATE m SET price = 1.00 WHERE id = 1; UPDATE m SET f = '-0' WHERE id = 2");
  a_.exec("UPDATE m SET doc = '{\"a\": 1}', p = '(1,1)' WHERE id = 1");  // json spacing; p unchanged
  EXPECT_EQ(sync(a_, b_).applied, 3u);
  EXPECT_EQ(sums(a_), sums(b_));
  EXPECT_EQ(b_.scalar("SELECT price::text FROM m WHERE id = 1"), "1.00");
  EXPECT_EQ(b_.scalar("SELECT f::text FROM m WHERE id = 2"), "-0");
  auto logged = count(a_, "SELECT count(*) FROM tandem.change_log");
  a_.exec("UPDATE m SET p = p, doc = doc");  // really nothing: not a change
  EXPECT_EQ(count(a_, "SELECT count(*) FROM tandem.change_log"), logged);
  EXPECT_EQ(sync(a_, b_).applied, 0u);
}

TEST_F(PeriodicFeed, KeyChangingUpdateMovesTheRow) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'one', 1)");
  sync(a_, b_);
  a_.exec("UPDATE items SET id = 2, name = 'two' WHERE id = 1");
  EXPECT_EQ(a_.scalar("SELECT string_agg(op::text, '' ORDER BY id) FROM tandem.change_log"), "IDI");
  sync(a_, b_);
  EXPECT_EQ(b_.scalar("SELECT string_agg(id || ':' || name, ',') FROM items"), "2:two");
}

TEST_F(PeriodicFeed, ForeignKeyChainFromOneTransactionAppliesInOrder) {
  start("CREATE TABLE parent (id int PRIMARY KEY);"
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);"
        "CREATE TABLE grandchild (id int PRIMARY KEY, child_id int NOT NULL REFERENCES child);");
  a_.exec("BEGIN; INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1);"
          "INSERT INTO grandchild VALUES (100, 10); INSERT INTO parent VALUES (2);"
          "UPDATE child SET parent_id = 2; DELETE FROM parent WHERE id = 1; COMMIT;");
  auto stats = sync(a_, b_);
  EXPECT_EQ(stats.quarantined, 0u);
  EXPECT_EQ(stats.applied, 6u);
  EXPECT_EQ(sums(a_), sums(b_));
}

TEST_F(PeriodicFeed, LateCommittingTransactionIsNotSkipped) {
  start(kItems);
  auto t1 = pg::Connection::open(a_.db->conninfo());
  ASSERT_TRUE(t1.ok());
  ASSERT_TRUE(t1->exec("BEGIN; INSERT INTO items VALUES (1, 'late', 1)").ok());  // smaller id
  a_.exec("INSERT INTO items VALUES (2, 'early', 2)");                          // commits first
  EXPECT_EQ(sync(a_, b_).applied, 1u);
  EXPECT_EQ(b_.scalar("SELECT string_agg(name, ',') FROM items"), "early");
  ASSERT_TRUE(t1->exec("COMMIT").ok());
  EXPECT_EQ(sync(a_, b_).applied, 1u);
  EXPECT_EQ(b_.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM items"), "late,early");
  EXPECT_EQ(sync(a_, b_).applied, 0u);
}

TEST_F(PeriodicFeed, ExcludedRowsAreNotCaptured) {
  pg::TableSelection sel;
  sel.exclude_rows = {{"public.users", "is_demo"}};
  start("CREATE TABLE users (id int PRIMARY KEY, name text, is_demo boolean);", sel);
  a_.exec("INSERT INTO users VALUES (1, 'real', false), (2, 'demo', true), (3, 'unknown', NULL);"
          "UPDATE users SET name = 'demo2' WHERE id = 2; DELETE FROM users WHERE id = 2;");
  EXPECT_EQ(count(a_, "SELECT count(*) FROM tandem.change_log WHERE pk->>'id' = '2'"), 0);
  sync(a_, b_);
  EXPECT_EQ(b_.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM users"), "1,3");
}

// Key 1 is written last on A, key 2 last on B: whichever way the rounds go, both nodes
// end with the later version of each row, and both record the conflicts.
TEST_F(PeriodicFeed, LastWriterWinsConvergesBothWays) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'base', 0), (2, 'base', 0)");
  sync(a_, b_);
  sync(b_, a_);
  b_.exec("UPDATE items SET name = 'b-early' WHERE id = 1");
  a_.exec("UPDATE items SET name = 'a-early' WHERE id = 2");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  a_.exec("UPDATE items SET name = 'a-late' WHERE id = 1");
  b_.exec("UPDATE items SET name = 'b-late' WHERE id = 2");
  auto ab = sync(a_, b_);
  auto ba = sync(b_, a_);
  EXPECT_EQ(ab.conflicts, 2u);
  EXPECT_EQ(ab.skipped, 1u);  // key 2: B's later version stays on B
  // A had not seen B's key-2 change either: it records the same conflict and, by the same
  // rule, takes B's version; key 1 is not sent at all (superseded on B).
  EXPECT_EQ(ba.conflicts, 1u);
  EXPECT_EQ(ba.skipped, 0u);
  EXPECT_EQ(ba.applied, 1u);
  sync(a_, b_);
  sync(b_, a_);
  EXPECT_EQ(sums(a_), sums(b_));
  EXPECT_EQ(a_.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM items"), "a-late,b-late");
  EXPECT_EQ(b_.scalar("SELECT string_agg(winner || ':' || (remote_row->>'name'), ',' ORDER BY pk->>'id')"
                      " FROM tandem.conflicts"),
            "remote:a-late,local:a-early");
  EXPECT_EQ(b_.scalar("SELECT local_row->>'name' FROM tandem.conflicts WHERE pk->>'id' = '2'"), "b-late");
}

TEST_F(PeriodicFeed, PreferNodeKeepsThatNodesVersion) {
  policy_ = ConflictPolicy{ConflictPolicy::Kind::prefer_node, "a"};
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'base', 0)");
  sync(a_, b_);
  a_.exec("UPDATE items SET name = 'from-a' WHERE id = 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  b_.exec("UPDATE items SET name = 'from-b' WHERE id = 1");  // later, but b is not preferred
  // B's round first this time: A sees the conflict and keeps its own version.
  auto ba = sync(b_, a_);
  EXPECT_EQ(ba.conflicts, 1u);
  EXPECT_EQ(ba.skipped, 1u);
  auto ab = sync(a_, b_);
  EXPECT_EQ(ab.conflicts, 1u);
  EXPECT_EQ(ab.applied, 1u);
  sync(b_, a_);
  EXPECT_EQ(sums(a_), sums(b_));
  EXPECT_EQ(b_.scalar("SELECT name FROM items"), "from-a");
  EXPECT_EQ(b_.scalar("SELECT policy FROM tandem.conflicts"), "prefer_node:a");
  EXPECT_EQ(count(b_, "SELECT count(*) FROM tandem.change_log WHERE NOT superseded"), 0);
}

TEST_F(PeriodicFeed, BadRowIsQuarantinedAndTheRestApplies) {
  start(kItems);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty >= 0)");
  a_.exec("INSERT INTO items VALUES (1, 'ok', 1), (2, 'bad', -1), (3, 'ok', 3)");
  auto stats = sync(a_, b_);
  EXPECT_EQ(stats.applied, 2u);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ(b_.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM items"), "1,3");
  EXPECT_EQ(b_.scalar("SELECT change->'pk'->>'id' FROM tandem.quarantine"), "2");
  EXPECT_NE(b_.scalar("SELECT error FROM tandem.quarantine").find("qty_positive"), std::string::npos);
  // The cursor moved past it: the next round neither retries nor blocks on it.
  a_.exec("INSERT INTO items VALUES (4, 'ok', 4)");
  stats = sync(a_, b_);
  EXPECT_EQ(stats.applied, 1u);
  EXPECT_EQ(stats.quarantined, 0u);
}

TEST_F(PeriodicFeed, CursorSurvivesACrash) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, 'x', g FROM generate_series(1, 10) g");
  // Round 1: one page of 4 applied, then the receiver "crashes" (connection dropped).
  auto batch = fetch_changes(*a_.conn, "a", "b", ChangeCursor{}, 4);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->more);
  auto st = apply_changes(*b_.conn, b_.catalog, *batch, "a", "b", policy_);
  ASSERT_TRUE(st.ok());
  // A second page fetched but never applied: lost with the crash.
  auto lost = fetch_changes(*a_.conn, "a", "b", batch->next, 4);
  ASSERT_TRUE(lost.ok());
  install(b_);  // new connection, as after a restart
  auto resumed = sync(a_, b_, 4);
  EXPECT_EQ(st->applied + resumed.applied, 10u);
  EXPECT_EQ(count(b_, "SELECT count(*) FROM items"), 10);
}

// After a full sync whose backup read snapshot S, the feed resumes exactly after S.
TEST_F(PeriodicFeed, FeedResumesAfterAFullSyncSnapshot) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, 'in backup', g FROM generate_series(1, 3) g");
  std::string snapshot = a_.scalar("SELECT txid_current_snapshot()::text");
  a_.exec("INSERT INTO items VALUES (4, 'after', 4), (5, 'after', 5)");
  ASSERT_TRUE(set_cursor_after_full_sync(*b_.conn, "a", snapshot).ok());
  auto cursor = load_cursor(*b_.conn, "a");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->prev_snapshot, snapshot);
  EXPECT_EQ(sync(a_, b_).applied, 2u);
  EXPECT_EQ(b_.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM items"), "4,5");
}

// Pages of one window, then a window opened by an earlier fetch that still has newer
// changes behind it: `more` says so, and the loop drains everything.
TEST_F(PeriodicFeed, MoreMeansFetchAgain) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, 'x', g FROM generate_series(1, 5) g");
  auto p1 = fetch_changes(*a_.conn, "a", "b", ChangeCursor{}, 3);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->changes.size(), 3u);
  EXPECT_TRUE(p1->more);
  a_.exec("INSERT INTO items VALUES (6, 'y', 6)");  // after the window opened
  auto p2 = fetch_changes(*a_.conn, "a", "b", p1->next, 3);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->changes.size(), 2u);
  EXPECT_TRUE(p2->more);
  auto p3 = fetch_changes(*a_.conn, "a", "b", p2->next, 3);
  ASSERT_TRUE(p3.ok());
  ASSERT_EQ(p3->changes.size(), 1u);
  EXPECT_EQ(p3->changes[0].pk, nlohmann::json({{"id", 6}}));
  EXPECT_FALSE(p3->more);
}

// sync.conflict_retention_days: records older than it go, the oldest first, in batches;
// 0 keeps them all.
TEST_F(PeriodicFeed, ConflictRecordsOlderThanTheRetentionAreDeleted) {
  start(kItems);
  a_.exec(
      "INSERT INTO tandem.conflicts (table_schema, table_name, pk, local_origin, remote_origin,"
      " local_changed_at, remote_changed_at, winner, policy, resolved_at)"
      " SELECT 'public', 'items', jsonb_build_object('id', g), 'a', 'b', now(), now(), 'local',"
      " 'last_writer_wins', now() - make_interval(days => d)"
      " FROM (VALUES (1, 400), (2, 120), (3, 91), (4, 89), (5, 0)) v(g, d)");
  auto kept = [&] {
    return a_.scalar("SELECT string_agg(pk->>'id', ',' ORDER BY id) FROM tandem.conflicts");
  };
  EXPECT_EQ(*prune_conflicts(*a_.conn, 0), 0u);
  EXPECT_EQ(kept(), "1,2,3,4,5");
  EXPECT_EQ(*prune_conflicts(*a_.conn, 90, 2), 2u);  // a batch of 2: the two oldest
  EXPECT_EQ(kept(), "3,4,5");
  EXPECT_EQ(*prune_conflicts(*a_.conn, 90, 2), 1u);
  EXPECT_EQ(*prune_conflicts(*a_.conn, 90, 2), 0u);
  EXPECT_EQ(kept(), "4,5");
  EXPECT_EQ(*prune_conflicts(*a_.conn, 1), 1u);
  EXPECT_EQ(kept(), "5");
}

TEST_F(PeriodicFeed, LogIsPrunedOnceEveryPeerHasIt) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, 'x', g FROM generate_series(1, 5) g");
  auto pruned = prune_change_log(*a_.conn, {"b"});
  ASSERT_TRUE(pruned.ok()) << pruned.error().describe();
  EXPECT_EQ(*pruned, 0u);
  EXPECT_EQ(*pending_changes(*a_.conn, "a", "b"), 5u);
  sync(a_, b_);
  sync(a_, b_);  // B's next fetch carries the cursor that acknowledges the batch
  EXPECT_EQ(*pending_changes(*a_.conn, "a", "b"), 0u);
  EXPECT_EQ(*prune_change_log(*a_.conn, {"b", "c"}), 0u);  // c has not fetched anything
  EXPECT_EQ(*prune_change_log(*a_.conn, {"b"}), 5u);
  EXPECT_EQ(count(a_, "SELECT count(*) FROM tandem.change_log"), 0);
  a_.exec("INSERT INTO items VALUES (6, 'y', 6)");  // newer than the ack: kept
  EXPECT_EQ(*prune_change_log(*a_.conn, {"b"}), 0u);
  EXPECT_EQ(sync(a_, b_).applied, 1u);
}

TEST_F(PeriodicFeed, BurstOfTenThousandConverges) {
  start(kItems);
  a_.exec("INSERT INTO items SELECT g, md5(g::text), g FROM generate_series(1, 10000) g;"
          "UPDATE items SET qty = -qty WHERE id % 5 = 0; DELETE FROM items WHERE id % 10 = 1;");
  auto t0 = std::chrono::steady_clock::now();
  auto stats = sync(a_, b_, 5000);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(stats.applied, 13000u);
  EXPECT_EQ(sums(a_), sums(b_));
  std::printf("[ figure ] periodic round of %llu changes (fetch + apply, pages of 5000): %.2f s, %.0f changes/s\n",
              static_cast<unsigned long long>(stats.applied), s, stats.applied / s);
}

// The application's session uses unusual settings on purpose: the captured form must not
// depend on them (floats keep every digit, dates and intervals parse back the same).
TEST_F(PeriodicFeed, RealSchemaValuesRoundTripExactly) {
  start(R"SQL(
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE "Odd Table" ("Id" uuid PRIMARY KEY, j jsonb, js json, arr int[], tarr text[],
      b bytea, ts timestamptz, d date, n numeric, n2 numeric(12,4), narr numeric[], f float8,
      r real, big bigint, m mood, tv tsvector, iv interval,
      seq bigint GENERATED ALWAYS AS IDENTITY, twice numeric GENERATED ALWAYS AS (n * 2) STORED);
    CREATE TABLE "Bücher" (k1 text, k2 numeric, title text, PRIMARY KEY (k1, k2));
  )SQL");
  a_.exec(R"SQL(
    SET TimeZone = 'America/New_York'; SET DateStyle = 'SQL, DMY'; SET extra_float_digits = 0;
    SET IntervalStyle = 'sql_standard'; SET bytea_output = 'escape';
    INSERT INTO "Odd Table" ("Id", j, js, arr, tarr, b, ts, d, n, n2, narr, f, r, big, m, tv, iv) VALUES
     ('6f1c0e1e-0000-4000-8000-000000000001',
      '{"price": 1.50, "big": 123456789012345678901234567890, "nested": [1, {"a": null}], "s": "ü\"q"}',
      '{"b": 1,  "a": 2.50}', '{1,NULL,3}', '{"with space","quote\"d",NULL,"ü"}', '\x00ff10',
      '2024-02-29 23:59:59.123456+00', '2024-02-28', 12345678901234567890.123456789, 1.5,
      '{1.50,NULL,2e-5}', 0.1::float8 + 0.2::float8, 0.1, 9223372036854775807, 'happy',
      'a fat cat', '1 day 02:03:04.5'),
     ('6f1c0e1e-0000-4000-8000-000000000002', 'null', NULL, '{}', NULL, '', '-infinity', NULL,
      'NaN', NULL, NULL, 'NaN', '-Infinity', -1, NULL, '', '-3 years');
    UPDATE "Odd Table" SET f = 1e308, n = -0.000000001, iv = '1 mon -2 days'
      WHERE "Id" = '6f1c0e1e-0000-4000-8000-000000000002';
    INSERT INTO "Bücher" VALUES ('ä b', 1.10, 'x'), ('ä b', 2, 'y'), ('c', 3, 'z');
    DELETE FROM "Bücher" WHERE k2 = 2;
    UPDATE "Bücher" SET title = 'x2' WHERE k2 = 1.1;
  )SQL");
  auto stats = sync(a_, b_);
  EXPECT_EQ(stats.quarantined, 0u);
  EXPECT_EQ(stats.applied, 8u);
  auto sa = sums(a_), sb = sums(b_);
  EXPECT_EQ(sa, sb);
  EXPECT_EQ(sa.at("public.Odd Table").substr(0, 2), "2:");
  EXPECT_EQ(b_.scalar("SELECT k2::text || title FROM \"Bücher\" WHERE k1 = 'ä b'"), "1.10x2");
  EXPECT_EQ(b_.scalar("SELECT js::text FROM \"Odd Table\" WHERE js IS NOT NULL"), "{\"b\": 1,  \"a\": 2.50}");
}

TEST_F(PeriodicFeed, InstallIsIdempotentAndFollowsTheSelection) {
  both("CREATE TABLE items (id int PRIMARY KEY, name text, qty int);"
       "CREATE TABLE logs (at timestamptz, line text);"  // no primary key
       "CREATE TABLE other (id int PRIMARY KEY);");
  std::vector<std::string> warnings;
  install(a_, {}, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("public.logs"), std::string::npos);
  install(a_);
  auto triggers = [&] {
    return a_.scalar("SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY tgrelid::regclass::text)"
                     " FROM pg_trigger WHERE tgname = 'tandem_capture'");
  };
  EXPECT_EQ(triggers(), "items,other");
  EXPECT_EQ(a_.scalar("SELECT value FROM tandem.meta WHERE key = 'schema_version'"), "2");
  pg::TableSelection sel;
  sel.exclude_tables = {"public.other"};
  install(a_, sel);
  EXPECT_EQ(triggers(), "items");
  EXPECT_EQ(count(a_, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'capture\\_%'"), 1);
  a_.exec("INSERT INTO other VALUES (1); INSERT INTO items VALUES (1, 'x', 1)");
  EXPECT_EQ(a_.scalar("SELECT string_agg(table_name, ',') FROM tandem.change_log"), "items");
}

// A restart's install must lock no application table when its triggers are as this
// version makes them: a resumed full sync's restore holds row locks while it runs, and an
// install waiting behind them once hung the restore (capture_install.cpp explains).
TEST_F(PeriodicFeed, RepeatInstallLocksNoTable) {
  both("CREATE TABLE items (id int PRIMARY KEY, name text, qty int);");
  install(a_);
  auto holder = open_data_plane_connection(a_.db->conninfo(), "lock holder");
  ASSERT_TRUE(holder.ok()) << holder.error().describe();
  ASSERT_TRUE(holder->exec("BEGIN; LOCK TABLE items IN ROW EXCLUSIVE MODE").ok());  // as a merge holds it
  auto conn = open_data_plane_connection(a_.db->conninfo(), "periodic test");
  ASSERT_TRUE(conn.ok()) << conn.error().describe();
  // Bounded for the old behaviour, which waited here for the holder's transaction.
  ASSERT_TRUE(conn->exec("SET lock_timeout = '5s'").ok());
  auto catalog = pg::load_catalog(*conn, {});
  ASSERT_TRUE(catalog.ok()) << catalog.error().describe();
  auto started = std::chrono::steady_clock::now();
  auto s = install_change_capture(*conn, *catalog, "a");
  EXPECT_TRUE(s.ok()) << s.error().describe();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_TRUE(holder->exec("ROLLBACK").ok());
  // A remembered statement that differs from this version's is installed again.
  a_.exec("UPDATE tandem.meta SET value = 'older' WHERE key LIKE 'trigger %'");
  install(a_);
  EXPECT_EQ(a_.scalar("SELECT value LIKE 'CREATE OR REPLACE TRIGGER%' FROM tandem.meta WHERE key = 'trigger \"public\".\"items\"'"),
            "t");
  a_.exec("INSERT INTO items VALUES (1, 'x', 1)");
  EXPECT_EQ(count(a_, "SELECT count(*) FROM tandem.change_log"), 1);
}

// Where triggers must change and a table is held, the install waits a bounded time,
// names the table, and changes nothing; the next try installs them.
TEST_F(PeriodicFeed, InstallOnALockedTableGivesUpSoonAndChangesNothing) {
  both("CREATE TABLE items (id int PRIMARY KEY, name text, qty int);"
       "CREATE TABLE other (id int PRIMARY KEY);");
  install(a_);
  a_.exec("DROP TRIGGER tandem_capture ON items; DROP TRIGGER tandem_capture ON other");
  auto holder = open_data_plane_connection(a_.db->conninfo(), "lock holder");
  ASSERT_TRUE(holder.ok()) << holder.error().describe();
  ASSERT_TRUE(holder->exec("BEGIN; LOCK TABLE other IN ROW EXCLUSIVE MODE").ok());
  auto conn = open_data_plane_connection(a_.db->conninfo(), "periodic test");
  ASSERT_TRUE(conn.ok()) << conn.error().describe();
  ASSERT_TRUE(conn->exec("SET lock_timeout = '5s'").ok());  // bounds a wait the install did not bound
  auto catalog = pg::load_catalog(*conn, {});
  ASSERT_TRUE(catalog.ok()) << catalog.error().describe();
  auto started = std::chrono::steady_clock::now();
  auto s = install_change_capture(*conn, *catalog, "a");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, kCaptureLocked);  // the change server logs a wait, not a fault
  EXPECT_NE(s.error().message.find("public.other"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("locked by another transaction"), std::string::npos) << s.error().message;
  EXPECT_EQ(count(a_, "SELECT count(*) FROM pg_trigger WHERE tgname = 'tandem_capture'"), 0);
  ASSERT_TRUE(holder->exec("ROLLBACK").ok());
  s = install_change_capture(*conn, *catalog, "a");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(count(a_, "SELECT count(*) FROM pg_trigger WHERE tgname = 'tandem_capture'"), 2);
}

// A full sync's restore stores the feed cursor in its own transaction, possibly before
// the change server's first install: the schema comes into being there; once in place,
// asking again takes no lock (the restore must not hold the install's lock to its end).
TEST_F(PeriodicFeed, RestoreCommitCreatesTheSchemaOnceThenTakesNoLock) {
  auto conn = open_data_plane_connection(a_.db->conninfo(), "restore commit");
  ASSERT_TRUE(conn.ok()) << conn.error().describe();
  ASSERT_TRUE(conn->exec("BEGIN").ok());
  auto s = ensure_change_schema(*conn, "a");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  s = set_cursor_after_full_sync(*conn, "b", b_.scalar("SELECT txid_current_snapshot()"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_TRUE(conn->exec("COMMIT").ok());
  EXPECT_EQ(count(a_, "SELECT count(*) FROM tandem.cursors WHERE peer = 'b'"), 1);
  auto holder = open_data_plane_connection(a_.db->conninfo(), "lock holder");
  ASSERT_TRUE(holder.ok()) << holder.error().describe();
  ASSERT_TRUE(holder->exec("SELECT pg_advisory_lock(hashtext('tandem.install'))").ok());
  ASSERT_TRUE(conn->exec("SET lock_timeout = '3s'; BEGIN").ok());
  s = ensure_change_schema(*conn, "a");
  EXPECT_TRUE(s.ok()) << s.error().describe();
  ASSERT_TRUE(conn->exec("COMMIT").ok());
}

// A change that loses a lock conflict with a local transaction (here a lock wait that
// times out; a deadlock is the same) is not a bad row: the batch fails whole, nothing is
// quarantined, and the next round applies it.
TEST_F(PeriodicFeed, ALockConflictFailsTheBatchInsteadOfQuarantiningTheChange) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'x', 1), (2, 'y', 2)");
  sync(a_, b_);
  a_.exec("UPDATE items SET qty = 10 WHERE id = 1; UPDATE items SET qty = 20 WHERE id = 2");
  auto holder = open_data_plane_connection(b_.db->conninfo(), "lock holder");
  ASSERT_TRUE(holder.ok()) << holder.error().describe();
  ASSERT_TRUE(holder->exec("BEGIN; UPDATE items SET name = name WHERE id = 2").ok());
  ASSERT_TRUE(b_.conn->exec("SET lock_timeout = '200ms'").ok());
  auto cursor = load_cursor(*b_.conn, "a");
  ASSERT_TRUE(cursor.ok()) << cursor.error().describe();
  auto batch = fetch_changes(*a_.conn, "a", "b", *cursor, 100);
  ASSERT_TRUE(batch.ok()) << batch.error().describe();
  auto applied = apply_changes(*b_.conn, b_.catalog, *batch, "a", "b", policy_);
  ASSERT_FALSE(applied.ok()) << "quarantined " << applied->quarantined;
  EXPECT_EQ(applied.error().code, pg::kConflict) << applied.error().message;
  EXPECT_EQ(count(b_, "SELECT count(*) FROM tandem.quarantine"), 0);
  EXPECT_EQ(count(b_, "SELECT qty FROM items WHERE id = 1"), 1);  // nothing half-applied
  ASSERT_TRUE(holder->exec("ROLLBACK").ok());
  ASSERT_TRUE(b_.conn->exec("SET lock_timeout = 0").ok());
  EXPECT_EQ(sync(a_, b_).applied, 2u);
  EXPECT_EQ(sums(a_), sums(b_));
}

}  // namespace
}  // namespace tandem
