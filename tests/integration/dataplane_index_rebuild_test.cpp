// Empty target tables get their indexes and keys built after the load (as pg_restore
// does), inside the restore transaction: afterwards every index and constraint is what
// it was, definitions, deferrability and foreign-key actions included; what cannot be
// recreated exactly is left in place; a failure puts the old ones back; a target in use
// keeps them all.
#include <gtest/gtest.h>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

const char* kSchema = R"SQL(
  CREATE TABLE public.parents (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, email text,
                               tags int[]);
  CREATE UNIQUE INDEX parents_lower_email ON public.parents (lower(email)) WHERE email IS NOT NULL;
  CREATE INDEX parents_tags ON public.parents USING gin (tags);
  CREATE TABLE public.children (
    parent_id bigint REFERENCES public.parents (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    n int, note text, PRIMARY KEY (parent_id, n) WITH (fillfactor = 80));
  CREATE INDEX children_note ON public.children USING hash (note);
  CREATE TABLE public.tree (id int PRIMARY KEY, up int REFERENCES public.tree (id));
  -- kept: its key is referenced by a table that holds rows on the target; one index has a
  -- comment, one is the CLUSTER index, one the replica identity.
  CREATE TABLE public.kept (id int PRIMARY KEY, a int NOT NULL, b int);
  CREATE INDEX kept_a ON public.kept (a);
  COMMENT ON INDEX public.kept_a IS 'tuned by hand';
  CREATE INDEX kept_b ON public.kept (b);
  ALTER TABLE public.kept CLUSTER ON kept_b;
  CREATE UNIQUE INDEX kept_ident ON public.kept (a, id);
  ALTER TABLE public.kept REPLICA IDENTITY USING INDEX kept_ident;
  CREATE TABLE public.refs (id int PRIMARY KEY, kept_id int REFERENCES public.kept (id));
)SQL";

const char* kRows = R"SQL(
  INSERT INTO public.parents SELECT i, 'c' || i, CASE WHEN i % 3 = 0 THEN 'p' || i || '@x' END,
                                    ARRAY[i % 5, i % 7] FROM generate_series(1, 3000) i;
  INSERT INTO public.children SELECT 1 + i % 3000, i, 'note ' || (i % 100) FROM generate_series(1, 9000) i;
  INSERT INTO public.tree SELECT i, NULLIF(i / 2, 0) FROM generate_series(1, 2000) i;
  INSERT INTO public.kept SELECT i, i * 2, i % 10 FROM generate_series(1, 1000) i;
  INSERT INTO public.refs VALUES (1, NULL);
)SQL";

// Every index and constraint of schema public, as PostgreSQL prints them back, with what
// a rebuild must keep: clustered, replica identity, comment, deferrability.
std::string schema_objects(const PgSandbox& db) {
  return db.scalar(R"SQL(
    SELECT string_agg(x, E'\n' ORDER BY x) FROM (
      SELECT pg_get_indexdef(i.indexrelid) || ' clustered=' || i.indisclustered || ' ident=' ||
             i.indisreplident || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '-') AS x
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relnamespace = 'public'::regnamespace
      UNION ALL
      SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' validated=' || convalidated
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace) o)SQL");
}

// The indexes of `table` by name and OID: a rebuilt index has a new OID.
std::string index_oids(const PgSandbox& db, const std::string& table) {
  return db.scalar("SELECT string_agg(indexrelid::regclass || '=' || indexrelid::oid, ' ' ORDER BY 1) "
                   "FROM pg_index WHERE indrelid = '" + table + "'::regclass");
}

class DataplaneIndexRebuild : public DataplaneFixture {
 protected:
  void SetUp() override {
    DataplaneFixture::SetUp();
    both(kSchema);
    source().exec(kRows);
    target().exec("INSERT INTO public.refs VALUES (1, NULL)");  // a table with rows
  }

  // A sync that keeps every index in place, for a reason that names `why`; the data
  // arrives all the same.
  void expect_indexes_kept(const std::string& why) {
    const std::string oids = index_oids(target(), "public.parents");
    auto out = full_sync(source(), target());
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_EQ(out.stats.indexes_rebuilt, 0u);
    EXPECT_NE(out.stats.indexes_kept_because.find(why), std::string::npos) << out.stats.indexes_kept_because;
    EXPECT_EQ(index_oids(target(), "public.parents"), oids);
    for (const char* t : {"public.parents", "public.children"})
      EXPECT_EQ(table_checksums(source()).at(t), table_checksums(target()).at(t)) << t;
  }
};

TEST_F(DataplaneIndexRebuild, EmptyTablesGetTheirIndexesBuiltAfterTheLoadExactlyAsTheyWere) {
  const std::string objects = schema_objects(target());
  ASSERT_EQ(objects, schema_objects(source()));
  const std::string parents_before = index_oids(target(), "public.parents");
  const std::string kept_before = index_oids(target(), "public.kept");

  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  // parents: key, code, lower(email), gin; children: hash (its key has a fillfactor,
  // which pg_get_constraintdef does not print: kept); tree: key.
  EXPECT_EQ(out.stats.indexes_rebuilt, 6u) << out.stats.indexes_kept_because;
  EXPECT_EQ(out.stats.indexes_kept_because, "");
  EXPECT_EQ(schema_objects(target()), objects);
  EXPECT_NE(index_oids(target(), "public.parents"), parents_before) << "built again";
  EXPECT_EQ(index_oids(target(), "public.kept"), kept_before) << "left in place";

  // The rebuilt keys hold: a duplicate code, and (deferred, at COMMIT) a child without parent.
  EXPECT_FALSE(target().query("INSERT INTO public.parents VALUES (9001, 'c1')").ok());
  auto orphan = target().query("BEGIN; INSERT INTO public.children VALUES (424242, 1, 'x'); COMMIT;");
  ASSERT_FALSE(orphan.ok());
  EXPECT_NE(orphan.error().message.find("children_parent_id_fkey"), std::string::npos) << orphan.error().message;
  EXPECT_FALSE(target().query("INSERT INTO public.tree VALUES (5000, 4999)").ok());
  // ON DELETE CASCADE came back with the key.
  target().exec("DELETE FROM public.parents WHERE id = 1");
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.children WHERE parent_id = 1"), "0");
}

// A target in use (a table with 1000 rows or more) keeps every index: rebuilding would
// lock its empty tables, and an application reading them, for the whole restore.
TEST_F(DataplaneIndexRebuild, ATargetInUseKeepsItsIndexesSoNothingWaitsOnALock) {
  target().exec("INSERT INTO public.tree SELECT i, NULL FROM generate_series(1, 1000) i");
  expect_indexes_kept("in use (public.tree holds 1000 rows");
}

TEST_F(DataplaneIndexRebuild, ADuplicateUnderAnIndexOnlyTheTargetHasFailsAndPutsEveryIndexBack) {
  // The source's tags repeat every 35 rows.
  target().exec("CREATE UNIQUE INDEX parents_tags_unique ON public.parents (tags)");
  const std::string objects = schema_objects(target());
  const std::string oids = index_oids(target(), "public.parents");
  const auto before = table_checksums(target());

  auto out = full_sync(source(), target());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.failed_phase, "restore");
  EXPECT_NE(out.error.message.find("parents_tags_unique"), std::string::npos) << out.describe();
  EXPECT_NE(out.error.message.find("public.parents"), std::string::npos) << out.describe();
  EXPECT_EQ(table_checksums(target()), before);
  EXPECT_EQ(schema_objects(target()), objects);
  EXPECT_EQ(index_oids(target(), "public.parents"), oids) << "the very same indexes, not copies";
  EXPECT_EQ(staging_table_count(target()), 0);
}

TEST_F(DataplaneIndexRebuild, AChildThatLosesItsParentsToExcludeRowsFailsNamingTheKey) {
  SyncOptions opts;
  opts.selection.exclude_rows = {{"public.parents", "id > 2900"}};
  auto out = full_sync(source(), target(), opts);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.failed_phase, "restore");
  EXPECT_EQ(out.error.code, "foreign_key_violation") << out.describe();
  EXPECT_NE(out.error.message.find("children_parent_id_fkey"), std::string::npos) << out.describe();
  EXPECT_NE(out.error.message.find("exclude_rows"), std::string::npos) << out.describe();
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.parents"), "0") << "rolled back";
}

TEST_F(DataplaneIndexRebuild, AViewThatNeedsAPrimaryKeyKeepsEveryIndexInPlace) {
  // GROUP BY the key makes the view depend on the primary key constraint.
  target().exec("CREATE VIEW public.parent_codes AS SELECT id, code FROM public.parents GROUP BY id");
  expect_indexes_kept("parents_pkey");
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.parent_codes"), "3000");
}

}  // namespace
}  // namespace tandem::test
