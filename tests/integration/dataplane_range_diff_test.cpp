// Range diff: with the target's digest, the backup ships only the key ranges whose rows
// differ, and restore + verify still bring the target to the source's rows (merge mode:
// target-only rows stay). Verify still catches a row changed behind its back in a range
// that was not shipped, and mirror mode refuses a ranged manifest.
#include <gtest/gtest.h>

#include <functional>

#include "persistence/dataplane/range_digest.hpp"
#include "persistence/dataplane/restore_plan.hpp"
#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

const ManifestTable& table_of(const Manifest& m, const std::string& name) {
  for (const auto& t : m.tables)
    if (t.name == name) return t;
  throw std::runtime_error("no table " + name + " in the manifest");
}

// Rows of public.items up to id 20000, in a form two clusters can compare.
std::string items_fingerprint(const PgSandbox& db) {
  return db.scalar("SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) "
                   "FROM public.items t WHERE id <= 20000");
}

class DataplaneRangeDiff : public DataplaneFixture {
 protected:
  void SetUp() override {
    DataplaneFixture::SetUp();
    both("CREATE TABLE public.items (id bigint PRIMARY KEY, v text, j jsonb);"
         "INSERT INTO public.items SELECT i, 'value ' || i, jsonb_build_object('n', i) "
         "FROM generate_series(1, 20000) i; ANALYZE public.items;");
  }
  static SyncOptions ranged() {
    SyncOptions o;
    o.range_diff = true;
    return o;
  }
};

TEST_F(DataplaneRangeDiff, ShipsOnlyTheRangesThatDifferAndConverges) {
  target().exec("UPDATE public.items SET v = 'older' WHERE id BETWEEN 1001 AND 1005;"
                "DELETE FROM public.items WHERE id BETWEEN 15000 AND 15002;"
                "INSERT INTO public.items VALUES (50000, 'target only', NULL);");
  ASSERT_NE(items_fingerprint(source()), items_fingerprint(target()));

  auto out = full_sync(source(), target(), ranged());
  ASSERT_TRUE(out.ok()) << out.describe();
  const auto& mt = table_of(out.manifest, "items");
  ASSERT_TRUE(mt.ranges.has_value());
  EXPECT_EQ(mt.snapshot_rows, 20000u);
  EXPECT_GT(mt.rows, 0u);
  EXPECT_LT(mt.rows, 1500u) << "three ranges of a few hundred rows differ, of "
                            << mt.ranges->bounds.size() + 1;
  EXPECT_EQ(out.stats.rows_updated, 5u);
  EXPECT_EQ(out.stats.rows_inserted, 3u);
  EXPECT_EQ(items_fingerprint(source()), items_fingerprint(target()));
  EXPECT_EQ(target().scalar("SELECT v FROM public.items WHERE id = 50000"), "target only");
}

TEST_F(DataplaneRangeDiff, NothingChangedShipsNothing) {
  auto out = full_sync(source(), target(), ranged());
  ASSERT_TRUE(out.ok()) << out.describe();
  const auto& mt = table_of(out.manifest, "items");
  ASSERT_TRUE(mt.ranges.has_value());
  EXPECT_TRUE(mt.ranges->shipped.empty());
  EXPECT_EQ(mt.rows, 0u);
  EXPECT_EQ(mt.chunk_count, 0u);
  EXPECT_EQ(out.stats.rows_updated + out.stats.rows_inserted, 0u);
}

TEST_F(DataplaneRangeDiff, EmptyTargetTableGetsTheWholeTable) {
  target().exec("TRUNCATE public.items");
  auto out = full_sync(source(), target(), ranged());
  ASSERT_TRUE(out.ok()) << out.describe();
  const auto& mt = table_of(out.manifest, "items");
  EXPECT_FALSE(mt.ranges.has_value());  // its only range differs: shipped whole
  EXPECT_EQ(mt.rows, 20000u);
  EXPECT_EQ(items_fingerprint(source()), items_fingerprint(target()));
}

TEST_F(DataplaneRangeDiff, CompositeUuidAndTextKeysAreCutAndOtherKeysShipWhole) {
  both(R"SQL(
    CREATE TABLE public.lines (o bigint, n int, q int, PRIMARY KEY (o, n));
    INSERT INTO public.lines SELECT i / 4, i % 4, i FROM generate_series(0, 9999) i;
    CREATE TABLE public.events (id uuid PRIMARY KEY, body text);
    INSERT INTO public.events SELECT md5('e' || i)::uuid, 'event ' || i FROM generate_series(1, 5000) i;
    CREATE TABLE public."Tags" ("Name" text COLLATE "und-x-icu" PRIMARY KEY, n int);
    INSERT INTO public."Tags" SELECT (ARRAY['a', 'B', 'c', 'D'])[1 + i % 4] || i, i FROM generate_series(1, 3000) i;
    CREATE TABLE public.rates (r numeric PRIMARY KEY, label text);
    INSERT INTO public.rates SELECT i / 100.0, 'r' || i FROM generate_series(1, 500) i;
    ANALYZE;)SQL");
  target().exec(R"SQL(
    UPDATE public.lines SET q = -q WHERE o = 1234;
    DELETE FROM public.events WHERE id = md5('e77')::uuid;
    UPDATE public."Tags" SET n = 0 WHERE "Name" = 'B1';
    UPDATE public.rates SET label = 'old' WHERE r = 1.00;)SQL");

  auto out = full_sync(source(), target(), ranged());
  ASSERT_TRUE(out.ok()) << out.describe();
  for (const char* name : {"lines", "events", "Tags"}) {
    const auto& mt = table_of(out.manifest, name);
    ASSERT_TRUE(mt.ranges.has_value()) << name;
    EXPECT_EQ(mt.ranges->shipped.size(), 1u) << name;
    EXPECT_LT(mt.rows, mt.snapshot_rows / 4) << name;
  }
  EXPECT_FALSE(table_of(out.manifest, "rates").ranges.has_value());  // numeric keys: whole
  EXPECT_EQ(table_of(out.manifest, "rates").rows, 500u);
  EXPECT_EQ(out.stats.rows_updated, 4u + 1u + 1u);
  EXPECT_EQ(out.stats.rows_inserted, 1u);
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
}

// A partitioned table is cut through its root (rows of every partition), and demo rows
// (exclude_rows) stay out of both sides' hashes: the target's own demo rows differ from
// the source's and still no range ships for them.
TEST_F(DataplaneRangeDiff, PartitionedRootAndExcludedRowsAreCutLikeAnyTable) {
  both(R"SQL(
    CREATE TABLE public.events (id bigint PRIMARY KEY, at date NOT NULL, body text, is_demo boolean NOT NULL DEFAULT false)
      PARTITION BY RANGE (id);
    CREATE TABLE public.events_1 PARTITION OF public.events FOR VALUES FROM (0) TO (10000);
    CREATE TABLE public.events_2 PARTITION OF public.events FOR VALUES FROM (10000) TO (20000);
    INSERT INTO public.events SELECT i, date '2024-01-01' + i % 300, 'event ' || i, i % 50 = 0
    FROM generate_series(1, 19999) i;
    ANALYZE;)SQL");
  target().exec("UPDATE public.events SET body = 'older' WHERE id BETWEEN 15000 AND 15003;"
                "UPDATE public.events SET body = 'demo on b' WHERE is_demo;");
  SyncOptions o = ranged();
  o.selection.exclude_rows = {{"public.events", "is_demo"}};
  auto out = full_sync(source(), target(), o);
  ASSERT_TRUE(out.ok()) << out.describe();
  const auto& mt = table_of(out.manifest, "events");
  ASSERT_TRUE(mt.ranges.has_value());
  EXPECT_EQ(mt.ranges->shipped.size(), 1u);
  EXPECT_LT(mt.rows, 1000u);
  EXPECT_EQ(out.stats.rows_updated, 3u);  // 15000 is a demo row: left as b has it
  const char* kept = "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM public.events t WHERE NOT is_demo";
  EXPECT_EQ(source().scalar(kept), target().scalar(kept));
  EXPECT_EQ(target().scalar("SELECT count(*) FROM public.events WHERE body = 'demo on b'"), "399");
}

TEST_F(DataplaneRangeDiff, VerifyCatchesARowChangedInARangeThatWasNotShipped) {
  target().exec("UPDATE public.items SET v = 'older' WHERE id = 10");
  SyncOptions o = ranged();
  o.before_verify = [] { target().exec("UPDATE public.items SET v = 'meanwhile' WHERE id = 19000"); };
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "verify") << out.describe();
  EXPECT_NE(out.error.message.find("public.items"), std::string::npos) << out.error.message;
}

TEST_F(DataplaneRangeDiff, MirrorModeRefusesAManifestWithRanges) {
  target().exec("UPDATE public.items SET v = 'older' WHERE id = 10");
  SyncOptions o = ranged();
  o.mode = SyncMode::mirror;
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "convert") << out.describe();
  EXPECT_NE(out.error.message.find("range"), std::string::npos) << out.error.message;
  EXPECT_EQ(target().scalar("SELECT v FROM public.items WHERE id = 10"), "older");  // untouched
}

// The digest travels from the target to the source: the source reads it back exactly,
// and refuses one whose types or numbers could reach SQL as anything but values.
TEST(RangeDigestJson, RoundTripsAndRefusesWhatCouldReachSqlAsCode) {
  TableDigest d{"public", "Orders é", "id", "bigint", {{"id", "bigint"}, {"note", "text"}},
                {"100", "200"}, {{100, "-12345678901234567890"}, {100, "7"}, {3, "0"}}};
  auto back = digest_from_json(digest_to_json({d}));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->at(0).name, d.name);
  EXPECT_EQ(back->at(0).bounds, d.bounds);
  EXPECT_TRUE(back->at(0).sums == d.sums);
  EXPECT_EQ(back->at(0).columns.at(1).type, "text");

  auto refused = [&](const std::function<void(nlohmann::json&)>& damage, const std::string& says) {
    nlohmann::json j = digest_to_json({d});
    damage(j);
    auto r = digest_from_json(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused([](auto& j) { j[0]["keyType"] = "numeric"; }, "public.Orders é: key type numeric");
  refused([](auto& j) { j[0]["keyType"] = "bigint[]) FROM pg_user; --"; }, "cannot cut ranges");
  refused([](auto& j) { j[0]["sums"][1] = "1) OR (1=1"; }, "not a decimal number");
  refused([](auto& j) { j[0]["rows"].erase(0); }, "one count and one sum per range");
  refused([](auto& j) { j[0].erase("bounds"); }, "malformed");
  refused([](auto& j) { j = nlohmann::json::object(); }, "not a list");
}

}  // namespace
}  // namespace tandem::test
