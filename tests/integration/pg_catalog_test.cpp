// The catalog of synced tables read from a real PostgreSQL: selection by patterns,
// columns and types, keys, identity/generated columns, owned sequences, foreign-key
// order (with a cycle), partitioned tables listed once, quoted names, exclude_rows.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "persistence/pg/catalog.hpp"
#include "tests/support/pg_sandbox.hpp"
#include "tests/support/process.hpp"

namespace tandem {
namespace {

using test::PgSandbox;

class PgCatalog : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new PgSandbox();
    db_->exec(R"SQL(
      CREATE TABLE public.parent (id bigint PRIMARY KEY, name text NOT NULL);
      CREATE TABLE public.child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                 parent_id bigint REFERENCES public.parent(id),
                                 qty int, doubled int GENERATED ALWAYS AS (qty * 2) STORED);
      CREATE TABLE public.grandchild (a int, b int, child_id bigint REFERENCES public.child(id),
                                      PRIMARY KEY (b, a));
      CREATE TABLE public."FullSyncSessions" (id serial PRIMARY KEY, "createdAt" timestamptz,
                                              "with space" text, "Ünï" text);
      CREATE TABLE public.cyc_a (id int PRIMARY KEY, b_id int);
      CREATE TABLE public.cyc_b (id int PRIMARY KEY, a_id int REFERENCES public.cyc_a(id));
      ALTER TABLE public.cyc_a ADD FOREIGN KEY (b_id) REFERENCES public.cyc_b(id)
        DEFERRABLE INITIALLY IMMEDIATE;
      CREATE TABLE public.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE public.events_2025 PARTITION OF public.events
        FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE public.nokey (x int, y text);
      CREATE TABLE public._prisma_migrations (id text PRIMARY KEY);
      CREATE SCHEMA audit; CREATE TABLE audit.log (id int PRIMARY KEY);
      CREATE SCHEMA tandem; CREATE TABLE tandem.change_log (id bigint PRIMARY KEY);
    )SQL");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  static pg::Catalog load(const pg::TableSelection& sel) {
    auto conn = pg::Connection::open(db_->conninfo());
    EXPECT_TRUE(conn.ok()) << conn.error().describe();
    auto cat = pg::load_catalog(*conn, sel);
    EXPECT_TRUE(cat.ok()) << cat.error().describe();
    return cat.ok() ? *cat : pg::Catalog{};
  }
  static std::vector<std::string> names(const pg::Catalog& c) {
    std::vector<std::string> out;
    for (const auto& t : c.tables) out.push_back(t.qualified());
    return out;
  }
  static std::size_t pos(const std::vector<std::string>& v, const std::string& n) {
    return static_cast<std::size_t>(std::find(v.begin(), v.end(), n) - v.begin());
  }

  static PgSandbox* db_;
};
PgSandbox* PgCatalog::db_ = nullptr;

TEST_F(PgCatalog, SelectsByPatternsAndNeverTandemsOwnSchemas) {
  pg::TableSelection sel;
  sel.exclude_tables = {"public._prisma_migrations", "public.cyc_*"};
  auto n = names(load(sel));
  EXPECT_EQ(pos(n, "public._prisma_migrations"), n.size());
  EXPECT_EQ(pos(n, "public.cyc_a"), n.size());
  EXPECT_EQ(pos(n, "audit.log"), n.size()) << "public.* only";
  EXPECT_EQ(pos(n, "tandem.change_log"), n.size());
  EXPECT_LT(pos(n, "public.FullSyncSessions"), n.size());

  sel.tables = {"*.*"};
  n = names(load(sel));
  EXPECT_LT(pos(n, "audit.log"), n.size());
  EXPECT_EQ(pos(n, "tandem.change_log"), n.size()) << "tandem's schema is never synced";
}

TEST_F(PgCatalog, PartitionedTableListedOnceThroughItsRoot) {
  auto n = names(load({}));
  EXPECT_LT(pos(n, "public.events"), n.size());
  EXPECT_EQ(pos(n, "public.events_2025"), n.size());
  auto cat = load({});
  EXPECT_TRUE(cat.find("public", "events")->partitioned);
  EXPECT_EQ(cat.find("public", "events")->primary_key, (std::vector<std::string>{"id", "at"}));
}

// Size estimates (progress totals, range sizes) count a plain table and a partitioned
// table's partitions: pg_partition_tree() alone lists no row for a plain table.
TEST_F(PgCatalog, SizeEstimatesCoverPlainAndPartitionedTables) {
  db_->exec("INSERT INTO public.nokey SELECT i, 'x' FROM generate_series(1, 3000) i;"
            "INSERT INTO public.events SELECT i, date '2025-03-01' FROM generate_series(1, 2000) i;"
            "ANALYZE public.nokey; ANALYZE public.events;");
  auto conn = pg::Connection::open(db_->conninfo());
  ASSERT_TRUE(conn.ok()) << conn.error().describe();
  auto cat = load({});
  for (auto [name, rows] : {std::pair{"nokey", 3000u}, {"events", 2000u}}) {
    auto size = pg::estimate_size(*conn, *cat.find("public", name));
    ASSERT_TRUE(size.ok()) << size.error().describe();
    EXPECT_EQ(size->rows, rows) << name;
    EXPECT_GT(size->bytes, 0u) << name;
  }
  db_->exec("TRUNCATE public.nokey, public.events");
}

TEST_F(PgCatalog, ColumnsKeysIdentityGeneratedSequences) {
  auto cat = load({});
  const auto* child = cat.find("public", "child");
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(child->columns.size(), 4u);
  EXPECT_EQ(child->columns[0].identity, 'a');
  EXPECT_EQ(child->columns[0].type, "bigint");
  EXPECT_TRUE(child->columns[3].generated);
  EXPECT_EQ(child->copied_columns().size(), 3u);
  ASSERT_EQ(child->sequences.size(), 1u);
  EXPECT_EQ(child->sequences[0].column, "id");

  const auto* gc = cat.find("public", "grandchild");
  EXPECT_EQ(gc->primary_key, (std::vector<std::string>{"b", "a"})) << "key order, not column order";
  EXPECT_TRUE(cat.find("public", "nokey")->primary_key.empty());

  const auto* fss = cat.find("public", "FullSyncSessions");
  ASSERT_NE(fss, nullptr);
  EXPECT_NE(fss->column("createdAt"), nullptr);
  EXPECT_NE(fss->column("with space"), nullptr);
  EXPECT_NE(fss->column("Ünï"), nullptr);
  EXPECT_EQ(fss->column("createdAt")->type, "timestamp with time zone");
  ASSERT_EQ(fss->sequences.size(), 1u) << "serial owns a sequence";
  EXPECT_EQ(fss->sequences[0].name, "FullSyncSessions_id_seq");
}

TEST_F(PgCatalog, ParentsBeforeChildrenAndCyclesFlagged) {
  auto cat = load({});
  auto n = names(cat);
  EXPECT_LT(pos(n, "public.parent"), pos(n, "public.child"));
  EXPECT_LT(pos(n, "public.child"), pos(n, "public.grandchild"));
  EXPECT_TRUE(cat.find("public", "cyc_a")->in_fk_cycle);
  EXPECT_TRUE(cat.find("public", "cyc_b")->in_fk_cycle);
  EXPECT_FALSE(cat.find("public", "child")->in_fk_cycle);
  const auto& fks = cat.find("public", "cyc_a")->foreign_keys;
  ASSERT_EQ(fks.size(), 1u);
  EXPECT_TRUE(fks[0].deferrable);
}

TEST_F(PgCatalog, ExcludeRowsAttachedOrUnknownTableRefused) {
  pg::TableSelection sel;
  sel.exclude_rows = {{"public.parent", "name LIKE 'demo%'"}};
  auto cat = load(sel);
  EXPECT_EQ(cat.find("public", "parent")->exclude_predicate, "name LIKE 'demo%'");

  sel.exclude_rows = {{"public.Parent", "true"}};
  auto conn = pg::Connection::open(db_->conninfo());
  ASSERT_TRUE(conn.ok());
  auto bad = pg::load_catalog(*conn, sel);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "sync.exclude_rows.public.Parent");
}

TEST(PgCatalogOrder, DeterministicKahnWithSelfReference) {
  auto table = [](std::string name, std::vector<std::string> parents) {
    pg::TableInfo t;
    t.schema = "s";
    t.name = std::move(name);
    for (auto& p : parents) t.foreign_keys.push_back({"fk", "s", p, false});
    return t;
  };
  std::vector<pg::TableInfo> ts{table("c", {"b"}), table("b", {"a", "b"}), table("a", {}),
                                table("z", {}), table("x", {"y"}), table("y", {"x"})};
  pg::order_by_foreign_keys(ts);
  std::vector<std::string> got;
  for (const auto& t : ts) got.push_back(t.name + (t.in_fk_cycle ? "*" : ""));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "z", "x*", "y*"}));

  // With weights the lightest ready table comes next (restore: small tables first), and
  // a child still never comes before its parents however light it is.
  std::vector<pg::TableInfo> app{table("AuditLog", {}), table("customers", {}), table("orders", {"customers"}),
                                 table("products", {}), table("order_items", {"orders", "products"})};
  pg::order_by_foreign_keys(app, {{"s.AuditLog", 26}, {"s.customers", 12}, {"s.orders", 42},
                                  {"s.products", 2}, {"s.order_items", 1}});
  got.clear();
  for (const auto& t : app) got.push_back(t.name);
  EXPECT_EQ(got, (std::vector<std::string>{"products", "customers", "AuditLog", "orders", "order_items"}));
}

TEST(PgConnection, ErrorsNameTheStatementAndConnectFailuresTheReason) {
  PgSandbox db;
  auto conn = pg::Connection::open(db.conninfo());
  ASSERT_TRUE(conn.ok());
  auto r = conn->query("SELECT * FROM no_such_table");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no_such_table"), std::string::npos);
  auto v = conn->scalar("SELECT $1::text || 'x'", {std::string("a")});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "ax");
  auto null = conn->scalar("SELECT NULL");
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
  auto bad = pg::Connection::open("host=127.0.0.1 port=1 dbname=app user=postgres");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("cannot connect"), std::string::npos);
}

// What a caller may do about a failure rides on its code: a lost lock conflict or a lost
// server is worth another try (the full-sync job retries such a phase), the rest is not.
TEST(PgConnection, ErrorCodesTellConflictsAndLostServersFromTheRest) {
  PgSandbox db;
  db.exec("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)");
  auto one = pg::Connection::open(db.conninfo());
  auto two = pg::Connection::open(db.conninfo());
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->query("SELECT * FROM no_such_table").error().code, pg::kError);

  // A lock wait that times out.
  ASSERT_TRUE(one->exec("BEGIN; UPDATE t SET v = 1 WHERE id = 1").ok());
  auto timed_out = two->exec("SET lock_timeout = '100ms'; UPDATE t SET v = 2 WHERE id = 1");
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, pg::kConflict) << timed_out.error().message;
  ASSERT_TRUE(two->exec("SET lock_timeout = 0").ok());

  // A deadlock: `one` holds row 1 and waits for row 2, which `two` holds while it asks
  // for row 1. PostgreSQL ends one of them; that one's error is a conflict.
  ASSERT_TRUE(two->exec("BEGIN; UPDATE t SET v = 2 WHERE id = 2").ok());
  Status first = ok_status();
  std::thread waiter([&] { first = one->exec("UPDATE t SET v = 1 WHERE id = 2"); });
  ASSERT_TRUE(test::wait_until([&] { return db.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted") != "0"; },
                         std::chrono::seconds(10)));
  Status second = two->exec("UPDATE t SET v = 2 WHERE id = 1");
  waiter.join();
  ASSERT_NE(first.ok(), second.ok()) << "exactly one is the deadlock's victim";
  const Error& lost = first.ok() ? second.error() : first.error();
  EXPECT_EQ(lost.code, pg::kConflict) << lost.message;
  EXPECT_NE(lost.message.find("deadlock"), std::string::npos) << lost.message;
  (void)one->exec("ROLLBACK");
  (void)two->exec("ROLLBACK");

  // The server ends the backend (as a restart or failover would).
  auto pid = one->scalar("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  db.exec("SELECT pg_terminate_backend(" + pid->value_or("0") + ")");
  auto gone = one->query("SELECT 1");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, pg::kConnectionLost) << gone.error().message;
}

}  // namespace
}  // namespace tandem
