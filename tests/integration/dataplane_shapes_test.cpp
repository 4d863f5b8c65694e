// What real schemas hold: quoted mixed-case names and names with spaces, composite keys,
// identity ALWAYS and generated columns, a three-level foreign-key chain, an empty table,
// a partitioned table (rows land in partitions, counted once), sequences that end past
// the highest synced value, and foreign keys that form a cycle.
#include <gtest/gtest.h>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

const char* kSchema = R"SQL(
  CREATE TABLE public."FullSyncSessions" (id serial PRIMARY KEY, "createdAt" timestamptz NOT NULL,
                                          "with space" text);
  CREATE TABLE public."order items" ("Order Id" int, "Line" int, qty int,
                                     PRIMARY KEY ("Order Id", "Line"));
  CREATE TABLE public.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                 name text NOT NULL,
                                 name_upper text GENERATED ALWAYS AS (upper(name)) STORED);
  CREATE TABLE public.orders (id serial PRIMARY KEY,
                              customer_id bigint NOT NULL REFERENCES public.customers (id),
                              total numeric(10, 2));
  CREATE TABLE public.lines (id serial PRIMARY KEY,
                             order_id int NOT NULL REFERENCES public.orders (id), sku text);
  CREATE TABLE public.empty_one (id int PRIMARY KEY, x text);
  CREATE TABLE public.events (id int, at date, what text, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
  CREATE TABLE public.events_2024 PARTITION OF public.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE public.events_2025 PARTITION OF public.events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
)SQL";

// Rows ids from..to of every table (customers get identity values in insertion order).
std::string rows(int from, int to) {
  std::string range = std::to_string(from) + ", " + std::to_string(to);
  return "INSERT INTO public.\"FullSyncSessions\" (\"createdAt\", \"with space\") "
         "SELECT timestamptz '2025-01-01' + i * interval '1 min', 'v ' || i "
         "FROM generate_series(" + range + ") i;"
         "INSERT INTO public.\"order items\" SELECT i, l, i * l FROM generate_series(" + range +
         ") i, generate_series(1, 3) l;"
         "INSERT INTO public.customers (name) SELECT 'customer ' || i FROM generate_series(" +
         range + ") i;"
         "INSERT INTO public.orders (customer_id, total) SELECT i, i * 1.5 FROM generate_series(" +
         range + ") i;"
         "INSERT INTO public.lines (order_id, sku) SELECT i, 'sku-' || l FROM generate_series(" +
         range + ") i, generate_series(1, 2) l;"
         "INSERT INTO public.events SELECT i, date '2024-06-01' + (i % 400), 'e' FROM "
         "generate_series(" + range + ") i;";
}

class DataplaneShapes : public DataplaneFixture {
 protected:
  void SetUp() override {
    DataplaneFixture::SetUp();
    both(kSchema);
    source().exec(rows(1, 1500));
  }
};

TEST_F(DataplaneShapes, RoundTripIntoAnEmptyTarget) {
  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.manifest.tables.size(), 7u);  // partitions are not tables of their own
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  // Parents come before children in the plan.
  std::vector<std::string> order;
  for (const auto& p : out.plan.tables) order.push_back(p.target.name);
  auto at = [&](const char* n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
  EXPECT_LT(at("customers"), at("orders"));
  EXPECT_LT(at("orders"), at("lines"));
  // Rows landed in the partitions, once.
  for (const char* q : {"SELECT count(*) FROM public.events_2024",
                        "SELECT count(*) FROM public.events_2025",
                        "SELECT count(*) FROM public.events"})
    EXPECT_EQ(source().scalar(q), target().scalar(q)) << q;
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.empty_one"), "0");
  // Generated columns are recomputed by the target.
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.customers WHERE name_upper = upper(name)"),
            "1500");
  // Sequences end past the synced values: the target's next rows do not collide.
  target().exec(R"SQL(
    INSERT INTO public.customers (name) VALUES ('local');
    INSERT INTO public.orders (customer_id) VALUES (1);
    INSERT INTO public."FullSyncSessions" ("createdAt") VALUES (now());
  )SQL");
  EXPECT_EQ(target().scalar("SELECT max(id) FROM public.customers"), "1501");
  EXPECT_EQ(target().scalar("SELECT max(id) FROM public.orders"), "1501");
}

// An empty target is loaded without per-row checks or triggers (as pg_restore
// --disable-triggers); its foreign keys are still proven, set-based, before COMMIT.
TEST_F(DataplaneShapes, EmptyTargetSkipsRowTriggersYetProvesItsForeignKeys) {
  // A trigger on the target that would change every row it sees: not fired by the load.
  target().exec(R"SQL(
    CREATE FUNCTION public.shout() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN NEW.sku := upper(NEW.sku); RETURN NEW; END $$;
    CREATE TRIGGER shout BEFORE INSERT ON public.lines FOR EACH ROW EXECUTE FUNCTION public.shout();
  )SQL");
  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_GE(out.stats.tables_bulk_loaded, 5u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.lines WHERE sku = upper(sku)"), "0");
  // After the load the trigger and the per-row checks are back for everyone else.
  target().exec("INSERT INTO public.lines (order_id, sku) VALUES (1, 'late')");
  EXPECT_EQ(target().scalar("SELECT sku FROM public.lines WHERE sku ILIKE 'late'"), "LATE");

  // Customers left out on the source: orders would reference rows that are not there.
  both("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  both(kSchema);
  source().exec(rows(1, 50));
  SyncOptions opts;
  opts.selection.exclude_tables = {"public.customers"};
  auto refused = full_sync(source(), target(), opts);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failed_phase, "restore");
  EXPECT_NE(refused.error.message.find("orders_customer_id_fkey"), std::string::npos) << refused.describe();
  EXPECT_NE(refused.error.message.find("public.customers"), std::string::npos) << refused.describe();
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.orders"), "0") << "rolled back";
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.\"FullSyncSessions\""), "0") << "rolled back";
}

TEST_F(DataplaneShapes, MergeIntoAnOlderCopyKeepsKeysInOrder) {
  ASSERT_TRUE(full_sync(source(), target()).ok());
  // Source: new rows down the whole chain, changed rows. Target: a row of its own with a
  // high key, and an emptied child table (so it takes the fast path after its parents'
  // merge, which must already hold the new orders).
  source().exec(rows(1501, 1600) + "UPDATE public.orders SET total = 0 WHERE id <= 10;");
  target().exec(
      "INSERT INTO public.\"FullSyncSessions\" (id, \"createdAt\") VALUES (100000, now());"
      "DELETE FROM public.lines;");
  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.stats.tables_loaded_directly, 2u);  // lines, and empty_one (still empty)
  for (const char* t : {"customers", "orders", "lines", "\"order items\"", "events"})
    EXPECT_EQ(source().scalar(std::string("SELECT count(*) || ':' || sum(hashtext(x::text)) FROM public.") +
                              t + " x"),
              target().scalar(std::string("SELECT count(*) || ':' || sum(hashtext(x::text)) FROM public.") +
                              t + " x"))
        << t;
  // Merge kept the target's own row, and its sequence moved past it.
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.\"FullSyncSessions\" WHERE id = 100000"), "1");
  target().exec("INSERT INTO public.\"FullSyncSessions\" (\"createdAt\") VALUES (now())");
  EXPECT_EQ(target().scalar("SELECT max(id) FROM public.\"FullSyncSessions\""), "100001");
}

const char* kCycle = R"SQL(
  CREATE TABLE public.cyc_parent (id int PRIMARY KEY, child_id int);
  CREATE TABLE public.cyc_child (id int PRIMARY KEY, parent_id int REFERENCES public.cyc_parent (id));
  ALTER TABLE public.cyc_parent ADD CONSTRAINT back FOREIGN KEY (child_id)
    REFERENCES public.cyc_child (id) %s;
)SQL";

std::string cycle(const char* deferrable) {
  char sql[1024];
  std::snprintf(sql, sizeof sql, kCycle, deferrable);
  return sql;
}

TEST_F(DataplaneShapes, ForeignKeyCycleWithADeferrableKeyIsRestored) {
  both("DROP SCHEMA public CASCADE; CREATE SCHEMA public;" + cycle("DEFERRABLE"));
  source().exec(R"SQL(
    BEGIN; SET CONSTRAINTS ALL DEFERRED;
    INSERT INTO public.cyc_parent SELECT i, i FROM generate_series(1, 50) i;
    INSERT INTO public.cyc_child SELECT i, i FROM generate_series(1, 50) i;
    COMMIT;)SQL");
  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_TRUE(out.plan.defer_constraints);
  EXPECT_EQ(out.plan.tables.front().target.name, "cyc_parent");  // its key is not deferrable
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
}

// An identity ALWAYS column outside the key cannot be UPDATEd to a given value
// (PostgreSQL only allows DEFAULT): the merge must leave it out of its SET list, and the
// rows still sync (the identity values came from the source when the rows were copied).
TEST_F(DataplaneShapes, NonKeyIdentityAlwaysColumnMerges) {
  both(R"SQL(CREATE TABLE public.tickets (code text PRIMARY KEY,
              seq bigint GENERATED ALWAYS AS IDENTITY, title text))SQL");
  source().exec("INSERT INTO public.tickets (code, title) SELECT 't' || i, 'v1' FROM generate_series(1, 20) i");
  auto first = full_sync(source(), target());
  ASSERT_TRUE(first.ok()) << first.describe();
  source().exec("UPDATE public.tickets SET title = 'v2' WHERE code IN ('t1', 't2')");
  auto second = full_sync(source(), target());
  ASSERT_TRUE(second.ok()) << second.describe();
  EXPECT_EQ(second.stats.rows_updated, 2u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
}

TEST_F(DataplaneShapes, ForeignKeyCycleWithoutADeferrableKeyIsRefused) {
  both("DROP SCHEMA public CASCADE; CREATE SCHEMA public;" + cycle(""));
  source().exec("INSERT INTO public.cyc_parent VALUES (1, NULL); INSERT INTO public.cyc_child VALUES (1, 1);");
  auto out = full_sync(source(), target());
  ASSERT_EQ(out.failed_phase, "convert");
  EXPECT_EQ(out.error.code, "fk_cycle");
  EXPECT_NE(out.error.message.find("public.cyc_child"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("public.cyc_parent"), std::string::npos);
  EXPECT_NE(out.error.message.find("DEFERRABLE"), std::string::npos);
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.cyc_parent"), "0");
}

}  // namespace
}  // namespace tandem::test
