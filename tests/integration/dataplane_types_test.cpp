// Values of every awkward type survive backup → restore → verify byte for byte, both by
// the fast path (empty target table: COPY straight in) and by staging + merge (an older
// copy), and a second run with nothing changed writes nothing.
#include <gtest/gtest.h>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

const char* kSchema = R"SQL(
  CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);
  CREATE TABLE public.kinds (
    id bigint PRIMARY KEY, t text, b bytea, arr int[], tarr text[], j jsonb, js json,
    n numeric(20, 6), f double precision, ts timestamptz, u uuid, m public.mood,
    d public.posint, tv tsvector);
)SQL";

// Row i: every column derived from i, a NULL in a different column for every 7th row.
const char* kRows = R"SQL(
  INSERT INTO public.kinds
  SELECT i,
         CASE WHEN i % 7 = 1 THEN NULL ELSE 'row ' || i || E'\ttab\nnewline \\ back ''q" ünï 🎉' END,
         CASE WHEN i % 7 = 2 THEN NULL ELSE decode(md5(i::text), 'hex') || '\x00ff'::bytea END,
         CASE WHEN i % 7 = 3 THEN NULL ELSE ARRAY[i, -i, NULL] END,
         ARRAY['a,b', 'c"d', NULL, E'e\\f'],
         CASE WHEN i % 7 = 4 THEN NULL ELSE jsonb_build_object('i', i, 'nested', jsonb_build_array(1.5, 'x', NULL)) END,
         ('{"keep": "spacing",  "i": ' || i || '}')::json,
         i * 1.000001 - 500, i / 3.0::float8, timestamptz '2024-02-29 12:34:56.789+05' + i * interval '1 hour',
         md5('u' || i)::uuid, (ARRAY['sad', 'ok', 'happy']::public.mood[])[1 + i % 3],
         CASE WHEN i % 7 = 5 THEN NULL ELSE i END,
         to_tsvector('english', 'the quick brown fox ' || i)
  FROM generate_series(1, 2000) i;
)SQL";

class DataplaneTypes : public DataplaneFixture {
 protected:
  void SetUp() override {
    DataplaneFixture::SetUp();
    both(kSchema);
    source().exec(kRows);
  }
};

TEST_F(DataplaneTypes, EveryTypeArrivesIntactIntoAnEmptyTable) {
  // One 1 MiB value among them (bigger than a chunk).
  source().exec("UPDATE public.kinds SET t = repeat(md5('big'), 32768) WHERE id = 10");
  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_GT(out.manifest.chunks.size(), 3u);  // spans several chunks
  EXPECT_EQ(out.stats.tables_loaded_directly, 1u);
  EXPECT_EQ(out.stats.rows_loaded, 2000u);
  EXPECT_EQ(out.stats.rows_inserted, 2000u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  EXPECT_EQ(target().scalar("SELECT length(t) FROM public.kinds WHERE id = 10"), "1048576");
  for (const char* probe : {"SELECT t FROM public.kinds WHERE id = 2",
                            "SELECT js::text FROM public.kinds WHERE id = 3",
                            "SELECT encode(b, 'hex') FROM public.kinds WHERE id = 4",
                            "SELECT tarr::text FROM public.kinds WHERE id = 5",
                            "SELECT count(*) FROM public.kinds WHERE t IS NULL"})
    EXPECT_EQ(source().scalar(probe), target().scalar(probe)) << probe;
  EXPECT_EQ(staging_table_count(target()), 0);
}

TEST_F(DataplaneTypes, ChangedRowsAreMergedAndARerunWritesNothing) {
  auto first = full_sync(source(), target());
  ASSERT_TRUE(first.ok()) << first.describe();
  // The source moves on: 10 rows change (one to NULLs), 5 are new.
  source().exec(R"SQL(
    UPDATE public.kinds SET j = '{"changed": true}', arr = ARRAY[0], m = 'happy' WHERE id BETWEEN 100 AND 108;
    UPDATE public.kinds SET t = NULL, b = NULL, tv = NULL WHERE id = 200;
    INSERT INTO public.kinds (id, t, d) SELECT i, 'new', 1 FROM generate_series(3001, 3005) i;
  )SQL");
  auto second = full_sync(source(), target());
  ASSERT_TRUE(second.ok()) << second.describe();
  EXPECT_EQ(second.stats.tables_loaded_directly, 0u);
  EXPECT_EQ(second.stats.rows_inserted, 5u);
  EXPECT_EQ(second.stats.rows_updated, 10u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));

  auto third = full_sync(source(), target());
  ASSERT_TRUE(third.ok()) << third.describe();
  EXPECT_EQ(third.stats.rows_loaded, 2005u);
  EXPECT_EQ(third.stats.rows_inserted, 0u);
  EXPECT_EQ(third.stats.rows_updated, 0u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  EXPECT_EQ(staging_table_count(target()), 0);
}

// Differences the types' own equality does not see, or that have no equality at all,
// are still merged (verify compares text, so a row left alone would fail it every run);
// rows that are the same are neither rewritten nor locked by the merge.
TEST_F(DataplaneTypes, MergeSeesEveryTextDifferenceAndLeavesSameRowsUntouched) {
  both("CREATE TABLE public.loose (id int PRIMARY KEY, n numeric, f float8, p point, "
       "x xml, js json, c text)");
  const char* rows = R"SQL(
    INSERT INTO public.loose SELECT i, 1.00, 0, point(1, 2), '<a>1</a>', '{"a": 1}', 'x'
    FROM generate_series(1, 20) i;)SQL";
  source().exec(rows);
  target().exec(rows);
  // Rows 1..7 of the target's older copy differ from the source in one column each;
  // 8..20 are the same. Each difference is one that IS DISTINCT FROM cannot see
  // (numeric scale, -0) or cannot test (point, xml, json), or a NULL on either side.
  target().exec(R"SQL(
    UPDATE public.loose SET n = 1.0 WHERE id = 1;
    UPDATE public.loose SET f = '-0' WHERE id = 2;
    UPDATE public.loose SET p = point(1, 3) WHERE id = 3;
    UPDATE public.loose SET x = '<a>2</a>' WHERE id = 4;
    UPDATE public.loose SET js = '{"a":1}' WHERE id = 5;
    UPDATE public.loose SET c = NULL WHERE id = 6;
    UPDATE public.loose SET n = 1.00 WHERE id = 7;)SQL");
  source().exec("UPDATE public.loose SET n = NULL WHERE id = 7");
  target().exec("VACUUM (FREEZE) public.loose");  // every row: xmax 0, so a lock shows
  std::string same_rows = "SELECT string_agg(id || ':' || xmin || ':' || xmax, ',' ORDER BY id) "
                          "FROM public.loose WHERE id > 7";
  std::string before = target().scalar(same_rows);

  auto out = full_sync(source(), target());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.stats.rows_updated, 7u);
  EXPECT_EQ(table_checksums(source()).at("public.loose"), table_checksums(target()).at("public.loose"));
  EXPECT_EQ(target().scalar(same_rows), before);  // not rewritten, not locked (xmax)
}

}  // namespace
}  // namespace tandem::test
