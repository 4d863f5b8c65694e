// Failures leave the target as it was: a schema mismatch is refused by convert before
// anything is written; a corrupt chunk and a cancel mid-restore roll the whole restore
// back (no half-synced tables, no staging tables left).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

const char* kSourceSchema = R"SQL(
  CREATE TABLE public.accounts (id int PRIMARY KEY, name text NOT NULL, note text);
  CREATE TABLE public.extra (id int PRIMARY KEY);
  CREATE TABLE public.ledger (id bigserial PRIMARY KEY, account_id int REFERENCES public.accounts (id),
                              amount numeric(12, 2), memo text);
)SQL";

class DataplaneSafety : public DataplaneFixture {
 protected:
  void fill_source() {
    source().exec(kSourceSchema);
    source().exec(R"SQL(
      INSERT INTO public.accounts SELECT i, 'acct ' || i, repeat('n', 100) FROM generate_series(1, 3000) i;
      INSERT INTO public.extra SELECT generate_series(1, 10);
      INSERT INTO public.ledger (account_id, amount, memo)
        SELECT 1 + i % 3000, i * 0.01, md5(i::text) FROM generate_series(1, 6000) i;)SQL");
  }
  // An older copy on the target, so a restore has something to overwrite.
  void older_target() {
    target().exec(kSourceSchema);
    target().exec(R"SQL(
      INSERT INTO public.accounts SELECT i, 'old ' || i, NULL FROM generate_series(1, 2000) i;
      INSERT INTO public.ledger (account_id, amount) SELECT 1, 1 FROM generate_series(1, 10);)SQL");
  }
  void expect_untouched(const std::map<std::string, std::string>& before) {
    EXPECT_EQ(table_checksums(target()), before);
    EXPECT_EQ(staging_table_count(target()), 0);
  }
};

TEST_F(DataplaneSafety, SchemaMismatchFailsInConvertBeforeTheTargetIsTouched) {
  struct Case {
    const char* what;
    const char* target_change;  // applied to a copy of the source schema on the target
    const char* expect_in_message;
  };
  const Case cases[] = {
      {"missing table", "DROP TABLE public.extra", "public.extra"},
      {"missing column", "ALTER TABLE public.accounts DROP COLUMN note", "public.accounts.note"},
      {"different type", "ALTER TABLE public.ledger ALTER COLUMN memo TYPE varchar(40)",
       "public.ledger.memo: type text on the source, character varying(40) on the target"},
      {"different key",
       "ALTER TABLE public.extra DROP CONSTRAINT extra_pkey; ALTER TABLE public.extra ADD "
       "COLUMN k int NOT NULL DEFAULT 0; ALTER TABLE public.extra ADD PRIMARY KEY (id, k)",
       "public.extra: primary key (id) on the source, (id, k) on the target"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    DataplaneFixture::SetUp();
    fill_source();
    older_target();
    target().exec(c.target_change);
    auto before = table_checksums(target());
    auto out = full_sync(source(), target());
    ASSERT_EQ(out.failed_phase, "convert") << out.describe();
    EXPECT_EQ(out.error.code, "schema_mismatch");
    EXPECT_NE(out.error.message.find(c.expect_in_message), std::string::npos) << out.error.message;
    expect_untouched(before);
  }
}

TEST_F(DataplaneSafety, CorruptChunkFailsNamingItAndRollsBack) {
  fill_source();
  older_target();
  auto before = table_checksums(target());
  SyncOptions o;
  std::uint64_t damaged = 0;
  o.before_restore = [&](const Spool& spool, const Manifest& m) {
    // A chunk of the last table, so earlier tables have been loaded when it fails.
    damaged = m.chunks.back().index;
    std::fstream f(spool.chunk_path(damaged), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(m.chunks.back().stored_bytes / 2));
    char byte = 0;
    f.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(m.chunks.back().stored_bytes / 2));
    f.write(&byte, 1);
  };
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "restore") << out.describe();
  EXPECT_GT(damaged, 1u);
  EXPECT_NE(out.error.message.find("chunk " + std::to_string(damaged)), std::string::npos)
      << out.error.message;
  EXPECT_NE(out.error.message.find("public.ledger"), std::string::npos) << out.error.message;
  expect_untouched(before);
}

// A chunk that cannot be written (disk full, a bad spool directory) fails the backup,
// naming the chunk, its table and the path.
TEST_F(DataplaneSafety, ChunkThatCannotBeWrittenFailsTheBackupNamingIt) {
  fill_source();
  older_target();
  auto before = table_checksums(target());
  SyncOptions o;
  bool blocked = false;
  o.on_backup_progress = [&](const Spool& spool, const DataProgress& p) {
    // The first report is the estimate, before any chunk: a directory where chunk 3's
    // temporary file goes makes its write fail.
    if (blocked || p.bytes_done != 0) return;
    blocked = std::filesystem::create_directory(spool.chunk_path(3) + ".tmp");
  };
  auto out = full_sync(source(), target(), o);
  ASSERT_TRUE(blocked);
  ASSERT_EQ(out.failed_phase, "backup") << out.describe();
  EXPECT_NE(out.error.message.find("backup of public."), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("chunk 3: "), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("chunk-000003.bin"), std::string::npos) << out.error.message;
  expect_untouched(before);
}

TEST_F(DataplaneSafety, CancelMidRestoreRollsBack) {
  for (bool empty_target : {false, true}) {
    SCOPED_TRACE(empty_target ? "empty target (direct COPY)" : "older copy (staging)");
    DataplaneFixture::SetUp();
    fill_source();
    if (empty_target)
      target().exec(kSourceSchema);
    else
      older_target();
    auto before = table_checksums(target());
    SyncOptions o;
    int reports = 0;
    o.on_restore_progress = [&](const DataProgress& p, CancelToken& cancel) {
      if (p.bytes_done > 0 && ++reports == 1) cancel.cancel();  // after the first chunk
    };
    auto out = full_sync(source(), target(), o);
    ASSERT_EQ(out.failed_phase, "restore") << out.describe();
    EXPECT_EQ(out.error.code, "cancelled") << out.error.describe();
    EXPECT_EQ(reports, 1);  // nothing was loaded after the cancel
    expect_untouched(before);
  }
}

// Restore merges staging tables that a second connection loads and commits while the
// restore transaction runs; a database whose default isolation is REPEATABLE READ must
// not hide them from it (the merge would find them empty and change nothing).
TEST_F(DataplaneSafety, RestoreSeesTheStagingLoadedBesideItWhateverTheDefaultIsolation) {
  fill_source();
  older_target();
  auto set_default = [&](const char* level) {
    target().exec(std::string("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
                              "default_transaction_isolation = %L', current_database(), '") +
                  level + "'); END $$");
  };
  set_default("repeatable read");
  auto out = full_sync(source(), target());
  set_default("read committed");
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.stats.rows_updated, 2010u);  // every older account and ledger row
  EXPECT_EQ(table_checksums(source()), table_checksums(target()));
  EXPECT_EQ(staging_table_count(target()), 0);
}

TEST_F(DataplaneSafety, VerifyNamesTheTablesThatDiffer) {
  fill_source();
  older_target();
  SyncOptions o;
  o.before_verify = [&] {
    target().exec("UPDATE public.accounts SET name = 'changed' WHERE id = 5;"
                  "DELETE FROM public.ledger WHERE id = 7;");
  };
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "verify") << out.describe();
  EXPECT_EQ(out.error.code, "verify_mismatch");
  EXPECT_EQ(out.error.field, "public.accounts");
  EXPECT_NE(out.error.message.find("2 table(s)"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("public.ledger: 6000 rows"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("5999 rows"), std::string::npos) << out.error.message;
  EXPECT_EQ(out.error.message.find("public.extra"), std::string::npos) << out.error.message;
}

// The target keeps a row of its own (merge mode) and, behind verify's back, loses a
// synced one: the whole table has as many rows as the snapshot, but verify must still
// find the synced rows short by one.
TEST_F(DataplaneSafety, VerifyIsNotFooledByAnOwnRowStandingInForALostOne) {
  fill_source();
  older_target();
  target().exec("INSERT INTO public.extra VALUES (1000)");
  SyncOptions o;
  o.before_verify = [&] { target().exec("DELETE FROM public.extra WHERE id = 3"); };
  auto out = full_sync(source(), target(), o);
  ASSERT_EQ(out.failed_phase, "verify") << out.describe();
  EXPECT_EQ(out.error.field, "public.extra");
  EXPECT_NE(out.error.message.find("public.extra: 10 rows"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("9 rows"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("1 table(s)"), std::string::npos) << out.error.message;
}

}  // namespace
}  // namespace tandem::test
