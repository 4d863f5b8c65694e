// merge and mirror modes, exclude_rows (demo rows), and tables without a primary key.
#include <gtest/gtest.h>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

class DataplaneModes : public DataplaneFixture {
 protected:
  void SetUp() override {
    DataplaneFixture::SetUp();
    both(R"SQL(
      CREATE TABLE public.users (id int PRIMARY KEY, name text,
                                 is_demo boolean NOT NULL DEFAULT false);
      CREATE TABLE public.nokey (x int, y text);)SQL");
    // Source: users 1..100 and demo users 200..210. Target: an overlapping older copy
    // (50..150, other names) and a demo user of its own.
    source().exec(R"SQL(
      INSERT INTO public.users SELECT i, 'source ' || i FROM generate_series(1, 100) i;
      INSERT INTO public.users SELECT i, 'demo', true FROM generate_series(200, 210) i;
      INSERT INTO public.nokey SELECT i, 'source' FROM generate_series(1, 30) i;)SQL");
    target().exec(R"SQL(
      INSERT INTO public.users SELECT i, 'target ' || i FROM generate_series(50, 150) i;
      INSERT INTO public.users VALUES (1000, 'local demo', true);
      INSERT INTO public.nokey SELECT i, 'target' FROM generate_series(1, 5) i;)SQL");
  }

  static SyncOptions users_only(SyncMode mode) {
    SyncOptions o;
    o.mode = mode;
    o.selection.exclude_tables = {"public.nokey"};
    o.selection.exclude_rows = {{"public.users", "is_demo"}};
    return o;
  }
  static std::string users(const PgSandbox& db, const std::string& where) {
    return db.scalar("SELECT count(*) || ':' || coalesce(sum(hashtext(u::text)), 0) "
                     "FROM public.users u WHERE " + where);
  }
};

TEST_F(DataplaneModes, MergeKeepsTargetOnlyRowsAndNeverShipsDemoRows) {
  auto out = full_sync(source(), target(), users_only(SyncMode::merge));
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.manifest.tables.at(0).rows, 100u);  // the demo rows were left out
  EXPECT_EQ(out.stats.rows_inserted, 49u);          // 1..49
  EXPECT_EQ(out.stats.rows_updated, 51u);           // 50..100
  EXPECT_EQ(out.stats.rows_deleted, 0u);
  EXPECT_EQ(users(source(), "id <= 100"), users(target(), "id <= 100"));
  // The target's own rows 101..150 are still there, as they were.
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.users WHERE id BETWEEN 101 AND 150 "
                            "AND name = 'target ' || id"), "50");
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.users WHERE id BETWEEN 200 AND 210"), "0");
  EXPECT_EQ(target().scalar("SELECT name FROM public.users WHERE id = 1000"), "local demo");
}

TEST_F(DataplaneModes, MirrorRemovesTargetOnlyRowsButNotTheTargetsDemoRows) {
  auto out = full_sync(source(), target(), users_only(SyncMode::mirror));
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.stats.rows_deleted, 50u);  // 101..150
  EXPECT_EQ(users(source(), "NOT is_demo"), users(target(), "NOT is_demo"));
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.users WHERE is_demo"), "1");  // id 1000

  auto again = full_sync(source(), target(), users_only(SyncMode::mirror));
  ASSERT_TRUE(again.ok()) << again.describe();
  EXPECT_EQ(again.stats.rows_deleted + again.stats.rows_inserted + again.stats.rows_updated, 0u);
}

TEST_F(DataplaneModes, TableWithoutKeyIsRefusedInMergeWithWhatToDo) {
  auto before = table_checksums(target());
  SyncOptions o;
  o.selection.exclude_rows = {{"public.users", "is_demo"}};
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "convert") << out.describe();
  EXPECT_EQ(out.error.code, "no_primary_key");
  for (const char* words : {"public.nokey", "primary key", "sync.exclude_tables", "mirror mode"})
    EXPECT_NE(out.error.message.find(words), std::string::npos) << words << " in " << out.error.message;
  EXPECT_EQ(table_checksums(target()), before);
}

TEST_F(DataplaneModes, TableWithoutKeyIsReplacedWholeInMirror) {
  SyncOptions o;
  o.mode = SyncMode::mirror;
  o.selection.exclude_rows = {{"public.users", "is_demo"}};
  auto out = full_sync(source(), target(), o);
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(table_checksums(source()).at("public.nokey"), table_checksums(target()).at("public.nokey"));
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.nokey WHERE y = 'target'"), "0");
}

}  // namespace
}  // namespace tandem::test
