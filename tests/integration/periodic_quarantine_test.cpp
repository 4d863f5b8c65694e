// Periodic sync's quarantine on two sandbox clusters: a peer's change that fails to apply
// is kept with the row as it found it, listed, and retried or discarded by an admin.
#include <gtest/gtest.h>

#include <chrono>

#include "persistence/periodic/quarantine.hpp"
#include "tests/integration/periodic_feed_fixture.hpp"

namespace tandem {
namespace {

using test::kItems;

class PeriodicQuarantine : public test::PeriodicFeed {
 protected:
  QuarantineList held(const std::string& peer = "") {
    auto list = list_quarantined(*b_.conn, peer, 100);
    EXPECT_TRUE(list.ok()) << list.error().describe();
    return list.ok() ? *list : QuarantineList{};
  }
};

TEST_F(PeriodicQuarantine, AChangeIsListedAndAppliesOnRetryOnceItsCauseIsGone) {
  start(kItems);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty >= 0)");
  a_.exec("INSERT INTO items VALUES (1, 'ok', 1), (2, 'bad', -1)");
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);

  auto list = held();
  ASSERT_EQ(list.total, 1u);
  ASSERT_EQ(list.changes.size(), 1u);
  const QuarantinedChange q = list.changes[0];
  EXPECT_EQ(q.peer, "a");
  EXPECT_EQ(q.table, "public.items");
  EXPECT_EQ(q.op, "I");
  EXPECT_EQ(nlohmann::json::parse(q.key), (nlohmann::json{{"id", 2}}));
  EXPECT_EQ(nlohmann::json::parse(q.row).value("qty", 0), -1);
  EXPECT_EQ(q.origin, "a");
  EXPECT_GT(q.changed_at, 0);
  EXPECT_GT(q.quarantined_at, 0);
  EXPECT_NE(q.error.find("qty_positive"), std::string::npos) << q.error;
  EXPECT_EQ(q.retries, 0);
  EXPECT_EQ(held("b").total, 0u);  // filtered by peer
  EXPECT_EQ(b_.scalar("SELECT local_row::text FROM tandem.quarantine"), "null");  // row 2 was absent

  // The cause is still there: the retry fails, says why, and the change stays.
  auto again = retry_quarantined(*b_.conn, b_.catalog, q.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, kQuarantineStillFails);
  EXPECT_NE(again.error().message.find("qty_positive"), std::string::npos) << again.error().message;
  list = held();
  ASSERT_EQ(list.total, 1u);
  EXPECT_EQ(list.changes[0].retries, 1);
  EXPECT_GT(list.changes[0].retried_at, 0);

  // The admin removes the cause; the retry applies it and it leaves the quarantine.
  b_.exec("ALTER TABLE items DROP CONSTRAINT qty_positive");
  auto applied = retry_quarantined(*b_.conn, b_.catalog, q.id);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(applied->change.id, q.id);
  EXPECT_TRUE(applied->superseded.empty());
  EXPECT_EQ(b_.scalar("SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM items"), "1:1,2:-1");
  EXPECT_EQ(held().total, 0u);
  // Written as b's own change, so it reaches the peers like an application's write.
  EXPECT_EQ(count(b_, "SELECT count(*) FROM tandem.change_log WHERE origin = 'b' AND pk->>'id' = '2'"), 1);
  sync(b_, a_);
  sync(a_, b_);
  EXPECT_EQ(sums(a_), sums(b_));

  auto unknown = retry_quarantined(*b_.conn, b_.catalog, q.id);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, kQuarantineUnknown);
}

// A row changed after its change was quarantined is newer than that change: the retry
// would bring back an older version, so it is refused, and the change can be discarded.
TEST_F(PeriodicQuarantine, ARetryIsRefusedWhenTheRowChangedSinceAndTheChangeCanBeDiscarded) {
  start(kItems);
  b_.exec("CREATE UNIQUE INDEX items_name ON items (name); INSERT INTO items VALUES (10, 'taken', 1)");
  a_.exec("INSERT INTO items VALUES (2, 'taken', 2)");
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);
  const std::int64_t id = held().changes.at(0).id;
  EXPECT_NE(held().changes[0].error.find("items_name"), std::string::npos);

  b_.exec("DELETE FROM items WHERE id = 10; INSERT INTO items VALUES (2, 'written here', 7)");
  auto refused = retry_quarantined(*b_.conn, b_.catalog, id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kQuarantineRowChanged);
  EXPECT_NE(refused.error().message.find("has changed on this node"), std::string::npos);
  EXPECT_EQ(b_.scalar("SELECT name FROM items WHERE id = 2"), "written here");
  EXPECT_EQ(held().total, 1u);
  EXPECT_EQ(held().changes[0].retries, 0);  // not a failure of the change itself

  auto gone = discard_quarantined(*b_.conn, id);
  ASSERT_TRUE(gone.ok()) << gone.error().describe();
  EXPECT_EQ(gone->change.id, id);
  EXPECT_EQ(gone->change.table, "public.items");
  EXPECT_EQ(held().total, 0u);
  EXPECT_EQ(b_.scalar("SELECT name FROM items WHERE id = 2"), "written here");
  auto twice = discard_quarantined(*b_.conn, id);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, kQuarantineUnknown);
}

// A later change of the same row applies, in the same batch or in a later one: the
// earlier one that failed is older than the row and is dropped, even where the later
// change left the row as it was before (a retry's row check could not tell then).
TEST_F(PeriodicQuarantine, AFailedChangeIsDroppedOnceALaterChangeOfItsRowApplies) {
  start(kItems);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 100)");
  a_.exec("INSERT INTO items VALUES (1, 'x', 1), (2, 'y', 2)");
  sync(a_, b_);
  a_.exec("UPDATE items SET qty = 500 WHERE id = 1; UPDATE items SET qty = 5 WHERE id = 1");
  auto stats = sync(a_, b_);
  EXPECT_EQ(stats.quarantined, 1u);
  EXPECT_EQ(b_.scalar("SELECT qty FROM items WHERE id = 1"), "5");
  EXPECT_EQ(held().total, 0u) << "the change to 500 is older than the row's 5";

  a_.exec("UPDATE items SET qty = 700 WHERE id = 2");  // quarantined in this round
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);
  EXPECT_EQ(held().total, 1u);
  EXPECT_EQ(b_.scalar("SELECT (change ? 'txid')::text FROM tandem.quarantine"), "true");
  a_.exec("UPDATE items SET qty = 2 WHERE id = 2");  // back to what b has: applies, changes nothing
  sync(a_, b_);
  EXPECT_EQ(held().total, 0u) << "row 2's 700 is older than its 2, though the row looks as before";
  b_.exec("ALTER TABLE items DROP CONSTRAINT qty_small");
  EXPECT_EQ(sums(a_), sums(b_));
}

// A full sync from the peer commits its snapshot's rows; the quarantined changes that
// snapshot holds are dropped with that commit: updates always, deletions only in mirror
// mode (a merge keeps rows the source no longer has). Changes the snapshot does not hold,
// and those from nodes that did not send their transaction, stay.
TEST_F(PeriodicQuarantine, AFullSyncsSnapshotDropsTheQuarantinedChangesItHolds) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'x', 1), (2, 'y', 2)");
  sync(a_, b_);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 100);"
          "CREATE TABLE local_child (id int PRIMARY KEY, item_id int REFERENCES items)");
  b_.exec("INSERT INTO local_child VALUES (1, 2)");
  a_.exec("UPDATE items SET qty = 500 WHERE id = 1");
  a_.exec("DELETE FROM items WHERE id = 2");
  EXPECT_EQ(sync(a_, b_).quarantined, 2u);
  const std::string snapshot = a_.scalar("SELECT txid_current_snapshot()::text");
  a_.exec("INSERT INTO items VALUES (3, 'after', 300)");  // not in the snapshot
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);
  b_.exec("INSERT INTO tandem.quarantine (peer, change, error) VALUES ('a', '{\"id\": 1, \"schema\": \"public\","
          " \"table\": \"items\", \"op\": \"U\", \"pk\": {\"id\": 1}, \"row\": {\"id\": 1}, \"origin\": \"a\","
          " \"changed_at\": 1}', 'from a node that sends no txid')");
  ASSERT_EQ(held().total, 4u);

  auto in_transaction = [&](bool mirror) {
    EXPECT_TRUE(b_.conn->exec("BEGIN").ok());
    auto n = drop_quarantined_in_snapshot(*b_.conn, "a", snapshot, mirror);
    EXPECT_TRUE(b_.conn->exec("COMMIT").ok());
    EXPECT_TRUE(n.ok()) << n.error().describe();
    return n.ok() ? *n : 999;
  };
  EXPECT_EQ(in_transaction(false), 1u);  // the update to 500
  std::string left;
  for (const auto& c : held().changes) left += c.op + c.key + (c.key.empty() ? "" : " ");
  EXPECT_EQ(left, "D{\"id\": 2} I{\"id\": 3} U{\"id\": 1} ");
  EXPECT_EQ(in_transaction(true), 1u);  // and in mirror mode the deletion
  EXPECT_EQ(held().total, 2u);
  auto other = drop_quarantined_in_snapshot(*b_.conn, "b", snapshot, true);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, 0u) << "another peer's";
}

// A deletion that failed (a row still referenced here) applies on retry once nothing
// references the row.
TEST_F(PeriodicQuarantine, AFailedDeletionAppliesOnRetry) {
  start("CREATE TABLE parent (id int PRIMARY KEY);");
  b_.exec("CREATE TABLE local_child (id int PRIMARY KEY, parent_id int REFERENCES parent)");
  a_.exec("INSERT INTO parent VALUES (1)");
  sync(a_, b_);
  b_.exec("INSERT INTO local_child VALUES (1, 1)");
  a_.exec("DELETE FROM parent WHERE id = 1");
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);
  auto q = held().changes.at(0);
  EXPECT_EQ(q.op, "D");
  EXPECT_EQ(q.row, "");
  b_.exec("DELETE FROM local_child");
  auto applied = retry_quarantined(*b_.conn, b_.catalog, q.id);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(count(b_, "SELECT count(*) FROM parent"), 0);
}

// Several quarantined changes of one row: only the newest can be retried (it carries the
// whole row); when it applies, the older ones go with it. Retrying all does the same per
// row, counts what happened, and leaves what still fails.
TEST_F(PeriodicQuarantine, OnlyTheNewestChangeOfARowIsRetriedAndRetryingAllGoesRowByRow) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'x', 1), (2, 'y', 2), (3, 'z', 3)");
  sync(a_, b_);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 100)");
  a_.exec("UPDATE items SET qty = 500 WHERE id = 1");
  a_.exec("UPDATE items SET qty = 600 WHERE id = 1");
  a_.exec("UPDATE items SET qty = 700 WHERE id = 2");
  a_.exec("UPDATE items SET qty = 800, name = 'big' WHERE id = 3");
  EXPECT_EQ(sync(a_, b_).quarantined, 4u);
  auto list = held();
  ASSERT_EQ(list.total, 4u);
  const std::int64_t older = list.changes[0].id, newer = list.changes[1].id;

  b_.exec("ALTER TABLE items DROP CONSTRAINT qty_small; ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 750)");
  auto refused = retry_quarantined(*b_.conn, b_.catalog, older);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kQuarantineSuperseded);
  EXPECT_NE(refused.error().message.find("change " + std::to_string(newer)), std::string::npos)
      << refused.error().message;

  auto sweep = retry_all_quarantined(*b_.conn, b_.catalog, "a", 100);
  ASSERT_TRUE(sweep.ok()) << sweep.error().describe();
  EXPECT_EQ(sweep->tried, 3u);          // rows 1, 2 and 3
  EXPECT_EQ(sweep->applied, 2u);        // row 1 (its newest, 600) and row 2
  EXPECT_EQ(sweep->superseded, 1u);     // row 1's older change
  EXPECT_EQ(sweep->still_failing, 1u);  // row 3: 800 is still too much here
  EXPECT_EQ(sweep->row_changed, 0u);
  EXPECT_EQ(sweep->remaining, 1u);
  EXPECT_EQ(b_.scalar("SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM items"), "1:600,2:700,3:3");
  EXPECT_EQ(held().changes.at(0).retries, 1);
  EXPECT_EQ(retry_all_quarantined(*b_.conn, b_.catalog, "b", 100)->tried, 0u);  // another peer's: none
}

// An application transaction holding the row: the retry waits 5 s at most, then says so,
// and the change stays as it was (a lock says nothing about the change).
TEST_F(PeriodicQuarantine, ARetryWaitsForALockedRowFiveSecondsAtMostAndSaysSo) {
  start(kItems);
  a_.exec("INSERT INTO items VALUES (1, 'x', 1)");
  sync(a_, b_);
  b_.exec("ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 100)");
  a_.exec("UPDATE items SET qty = 500 WHERE id = 1");
  EXPECT_EQ(sync(a_, b_).quarantined, 1u);
  const std::int64_t id = held().changes.at(0).id;
  b_.exec("ALTER TABLE items DROP CONSTRAINT qty_small");
  auto app = pg::Connection::open(b_.db->conninfo());
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(app->exec("BEGIN; SELECT * FROM items WHERE id = 1 FOR UPDATE").ok());
  auto started = std::chrono::steady_clock::now();
  auto locked = retry_quarantined(*b_.conn, b_.catalog, id);
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, pg::kConflict);
  EXPECT_NE(locked.error().message.find("another transaction holds its row"), std::string::npos)
      << locked.error().message;
  EXPECT_GE(waited, std::chrono::seconds(4));
  EXPECT_LT(waited, std::chrono::seconds(30));
  EXPECT_EQ(held().changes.at(0).retries, 0);
  ASSERT_TRUE(app->exec("ROLLBACK").ok());
  auto applied = retry_quarantined(*b_.conn, b_.catalog, id);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(b_.scalar("SELECT qty FROM items WHERE id = 1"), "500");
}

// Schema version 1 had no local_row, retries or retried_at: the install adds them, and a
// change quarantined before (no row recorded) can still be retried.
TEST_F(PeriodicQuarantine, VersionOneSchemaIsMigratedAndItsEntriesRetry) {
  start(kItems);
  b_.exec("ALTER TABLE tandem.quarantine DROP COLUMN local_row, DROP COLUMN retries, DROP COLUMN retried_at;"
          "UPDATE tandem.meta SET value = '1' WHERE key = 'schema_version';"
          "INSERT INTO tandem.quarantine (peer, change, error) VALUES ('a', '{\"id\": 7, \"schema\": \"public\","
          " \"table\": \"items\", \"op\": \"I\", \"pk\": {\"id\": 3}, \"row\": {\"id\": 3, \"name\": \"old\","
          " \"qty\": 3}, \"origin\": \"a\", \"changed_at\": 1700000000000}', 'from version 1')");
  install(b_);
  EXPECT_EQ(b_.scalar("SELECT value FROM tandem.meta WHERE key = 'schema_version'"), "2");
  auto q = held().changes.at(0);
  EXPECT_EQ(q.retries, 0);
  EXPECT_EQ(q.changed_at, 1700000000000);
  auto applied = retry_quarantined(*b_.conn, b_.catalog, q.id);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(b_.scalar("SELECT name FROM items WHERE id = 3"), "old");
}

}  // namespace
}  // namespace tandem
