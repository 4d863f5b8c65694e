// Range diff: with the target's digest, the backup ships only the key ranges whose rows
// differ, and restore + verify still bring the target to the source's rows (merge mode:
// target-only rows stay). Verify still catches a row changed behind its back in a range
// that was not shipped, and mirror mode refuses a ranged manifest. The range probe takes
// out of the digest the tables whose changes fall in every range, and only those.
#include <gtest/gtest.h>

#include <functional>

#include "persistence/dataplane/range_digest.hpp"
#include "persistence/dataplane/range_probe.hpp"
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

// The range probe (range_probe.hpp), on the 20,000-row items (bigint key) and a uuid-keyed
// table of as many rows, probed from 10,000 rows.
class DataplaneRangeProbe : public DataplaneRangeDiff {
 protected:
  void SetUp() override {
    DataplaneRangeDiff::SetUp();
    both("CREATE TABLE public.events (id uuid PRIMARY KEY, n int);"
         "INSERT INTO public.events SELECT md5(i::text)::uuid, i FROM generate_series(1, 20000) i;"
         "ANALYZE public.events;");
  }
  static SyncOptions probed() {
    SyncOptions o = ranged();
    o.probe_from_rows = 10000;
    return o;
  }
  static std::string events_fingerprint(const PgSandbox& db) {
    return db.scalar("SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM public.events t");
  }
};

TEST_F(DataplaneRangeProbe, ChangesInEveryRangeTakeTheTableOutOfTheDigest) {
  target().exec("UPDATE public.items SET v = 'older' WHERE id % 10 = 0;"
                "UPDATE public.events SET n = -n WHERE n % 10 = 0;");
  auto out = full_sync(source(), target(), probed());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.digest_left_out, (std::set<std::string>{"public.events", "public.items"})) << out.probe_summary;
  EXPECT_NE(out.probe_summary.find("public.items: 0 of 32 windows alike, ships whole"), std::string::npos)
      << out.probe_summary;
  EXPECT_NE(out.probe_summary.find("public.events: 0 of 32 windows alike, ships whole"), std::string::npos)
      << out.probe_summary;
  for (const char* name : {"items", "events"}) {
    const auto& mt = table_of(out.manifest, name);
    EXPECT_FALSE(mt.ranges.has_value()) << name;
    EXPECT_EQ(mt.rows, 20000u) << name;
  }
  EXPECT_EQ(out.stats.rows_updated, 4000u);
  EXPECT_EQ(items_fingerprint(source()), items_fingerprint(target()));
  EXPECT_EQ(events_fingerprint(source()), events_fingerprint(target()));
}

TEST_F(DataplaneRangeProbe, FewChangedRangesKeepTheDigest) {
  target().exec("UPDATE public.items SET v = 'older' WHERE id BETWEEN 1001 AND 1005;");
  auto out = full_sync(source(), target(), probed());
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_TRUE(out.digest_left_out.empty()) << out.probe_summary;
  // At most one window (256 keys of every 625) holds ids 1001-1005.
  EXPECT_TRUE(out.probe_summary.find("public.items: 31 of 32 windows alike, digest") != std::string::npos ||
              out.probe_summary.find("public.items: 32 of 32 windows alike, digest") != std::string::npos)
      << out.probe_summary;
  EXPECT_NE(out.probe_summary.find("public.events: 32 of 32 windows alike, digest"), std::string::npos)
      << out.probe_summary;
  const auto& mt = table_of(out.manifest, "items");
  ASSERT_TRUE(mt.ranges.has_value());
  EXPECT_LT(mt.rows, 1500u);
  EXPECT_EQ(table_of(out.manifest, "events").rows, 0u);
  EXPECT_EQ(out.stats.rows_updated, 5u);
  EXPECT_EQ(items_fingerprint(source()), items_fingerprint(target()));
}

TEST_F(DataplaneRangeProbe, SmallTablesAreNotProbedAndAProbeThatDoesNotFitShipsWhole) {
  CancelToken cancel;
  pg::TableSelection all;
  auto none = run_range_probe(target().conninfo(), all, cancel);  // from kProbeFromRows: 50,000
  ASSERT_TRUE(none.ok()) << none.error().describe();
  EXPECT_TRUE(none->empty());

  auto probe = run_range_probe(target().conninfo(), all, cancel, 10000);
  ASSERT_TRUE(probe.ok()) << probe.error().describe();
  ASSERT_EQ(probe->size(), 2u);
  for (const auto& p : *probe) EXPECT_EQ(p.bounds.size(), 2 * kProbeWindows) << p.name;
  source().exec("ALTER TABLE public.items ADD COLUMN extra int");  // the source hashes other columns
  auto verdict = judge_range_probe(source().conninfo(), all, *probe, cancel);
  ASSERT_TRUE(verdict.ok()) << verdict.error().describe();
  EXPECT_EQ(verdict->worth_digest, std::vector<std::string>{"public.events"}) << verdict->summary;
  EXPECT_NE(verdict->summary.find("public.items: probe does not fit, ships whole"), std::string::npos)
      << verdict->summary;
}

TEST(RangeProbeVerdictJson, RoundTripsAndAFailedJudgementIsAnError) {
  ProbeVerdict v{{"public.a", "s.\"B\""}, "public.a: 30 of 32 windows alike, digest"};
  auto back = verdict_from_json(verdict_to_json(v));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->worth_digest, v.worth_digest);
  EXPECT_EQ(back->summary, v.summary);
  auto failed = verdict_from_json(nlohmann::json{{"error", "pg_connect: refused"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("pg_connect: refused"), std::string::npos);
  EXPECT_FALSE(verdict_from_json(nlohmann::json::array()).ok());
  EXPECT_FALSE(verdict_from_json(nlohmann::json{{"digest", "public.a"}}).ok());
  // Tables probed and not in the verdict are the ones left out of the digest.
  std::vector<TableDigest> probe(3);
  probe[0].schema = probe[1].schema = probe[2].schema = "public";
  probe[0].name = "a";
  probe[1].name = "b";
  probe[2].name = "c";
  EXPECT_EQ(tables_not_worth_digest(probe, v), (std::set<std::string>{"public.b", "public.c"}));
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
