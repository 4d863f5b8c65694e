// SqliteJournal beyond the shared contract: durability settings, reopening, rollback of
// a failed commit, and refusing (and keeping) files it must not use.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "persistence/journal_schema.hpp"
#include "persistence/journal_sqlite.hpp"
#include "persistence/journal_sqlite_db.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace tandem {
namespace {

using testing::TempDir;
using testing::expect_same;
using testing::record;
using testing::sample_session;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs SQL on the file through a separate connection, as another program would.
void raw_exec(const std::string& path, const std::string& sql) {
  auto db = sqlite::Db::open(path);
  ASSERT_TRUE(db.ok());
  auto st = db->exec(sql);
  ASSERT_TRUE(st.ok()) << st.error().describe();
}

std::unique_ptr<SqliteJournal> open_ok(const std::string& path,
                                       SqliteJournal::Options options = {}) {
  auto j = SqliteJournal::open(path, std::move(options));
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().describe());
  return j.ok() ? std::move(j.value()) : nullptr;
}

// Opening must fail with `code`, name the file, and leave its bytes untouched.
void expect_refused(const std::string& path, const std::string& code) {
  std::string before = slurp(path);
  auto j = SqliteJournal::open(path);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, code) << j.error().message;
  EXPECT_NE(j.error().message.find(path), std::string::npos) << j.error().message;
  EXPECT_NE(j.error().message.find("kept"), std::string::npos) << j.error().message;
  EXPECT_EQ(slurp(path), before) << "the refused file was modified";
}

TEST(JournalSqlite, NewFileIsWalWithCurrentSchemaVersion) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  ASSERT_NE(open_ok(path), nullptr);
  auto db = sqlite::Db::open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->query_int("PRAGMA user_version"), journal_schema::kVersion);
  EXPECT_EQ(*db->query_int("PRAGMA application_id"), journal_schema::kApplicationId);
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
}

TEST(JournalSqlite, EverythingSurvivesReopening) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  Session s = sample_session("fs-1", 1000);
  {
    auto j = open_ok(path);
    ASSERT_TRUE(j->commit(s, record(s, State::queued, "start")).ok());
    ASSERT_TRUE(j->append_log({"fs-1", 1001, log::Level::warn, "slow peer"}).ok());
  }
  auto j = open_ok(path);
  auto got = j->get("fs-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  expect_same(**got, s);
  EXPECT_EQ(j->transitions("fs-1")->size(), 1u);
  ASSERT_EQ(j->log_lines("fs-1", 10)->size(), 1u);
  EXPECT_EQ(j->log_lines("fs-1", 10)->front().text, "slow peer");
  // seq continues after reopening
  EXPECT_EQ(*j->commit(s, record(s, State::running, "progress")), 2u);
}

TEST(JournalSqlite, FailedCommitChangesNothingAtEitherFailPoint) {
  for (const char* point : {"after_session_write", "before_commit"}) {
    SCOPED_TRACE(point);
    TempDir dir;
    bool armed = false;
    SqliteJournal::Options options;
    options.fail_point = [&](const char* at) -> Status {
      if (armed && std::string(at) == point) return make_error("journal_io", "injected");
      return ok_status();
    };
    auto j = open_ok(SqliteJournal::path_in(dir.path()), options);
    Session s = sample_session("fs-1", 1000);
    ASSERT_TRUE(j->commit(s, record(s, State::queued, "start")).ok());

    Session next = s;
    next.phase = Phase::convert;
    next.progress(Phase::transfer).checkpoint = 99;
    armed = true;
    EXPECT_FALSE(j->commit(next, record(next, State::running, "phase_done(transfer)")).ok());
    expect_same(**j->get("fs-1"), s);
    EXPECT_EQ(j->transitions("fs-1")->size(), 1u);

    armed = false;  // the journal stays usable and the log has no gap
    EXPECT_EQ(*j->commit(next, record(next, State::running, "phase_done(transfer)")), 2u);
    expect_same(**j->get("fs-1"), next);
  }
}

TEST(JournalSqlite, TransitionLogIsAppendOnlyInTheFile) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  Session s = sample_session("fs-1", 1000);
  ASSERT_TRUE(open_ok(path)->commit(s, record(s, State::queued, "start")).ok());
  auto db = sqlite::Db::open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->exec("UPDATE transitions SET event = 'forged'").error().code, "journal_constraint");
  EXPECT_EQ(db->exec("DELETE FROM transitions").error().code, "journal_constraint");
}

TEST(JournalSqlite, UnknownSpellingIsReportedNotFatal) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  {
    auto j = open_ok(path);
    for (const char* id : {"fs-good", "fs-bad"}) {
      Session s = sample_session(id, 1000);
      ASSERT_TRUE(j->commit(s, record(s, State::queued, "start")).ok());
    }
  }
  // As if a newer tandemd had written a state this build does not know.
  raw_exec(path, "UPDATE sessions SET state = 'paused' WHERE id = 'fs-bad'");
  auto j = open_ok(path);
  auto found = j->recover();
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->sessions.size(), 1u);
  EXPECT_EQ(found->sessions[0].id, "fs-good");
  ASSERT_EQ(found->unreadable.size(), 1u);
  EXPECT_EQ(found->unreadable[0].session_id, "fs-bad");
  EXPECT_NE(found->unreadable[0].reason.find("state"), std::string::npos);
  EXPECT_NE(found->unreadable[0].reason.find("paused"), std::string::npos);

  EXPECT_EQ(j->recent(10)->size(), 1u);  // history skips it
  auto bad = j->get("fs-bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "unreadable_row");
  Session s = sample_session("fs-bad", 1000);  // and it is not overwritten blindly
  EXPECT_EQ(j->commit(s, record(s, State::running, "progress")).error().code, "unreadable_row");
}

TEST(JournalSqlite, ZeroLengthFileIsANewJournal) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  spit(path, "");
  auto j = open_ok(path);
  ASSERT_NE(j, nullptr);
  EXPECT_TRUE(j->recover()->sessions.empty());
}

TEST(JournalSqlite, GarbageFileIsRefusedAndKept) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  spit(path, std::string(4096, 'x'));
  expect_refused(path, "journal_corrupt");
}

TEST(JournalSqlite, DamagedPagesAreRefusedAndKept) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  {
    auto j = open_ok(path);
    for (int i = 0; i < 200; ++i) {
      Session s = sample_session("fs-" + std::to_string(i), 1000 + i);
      ASSERT_TRUE(j->commit(s, record(s, State::queued, "start")).ok());
    }
  }  // closing the last connection folds the WAL into the file
  std::string bytes = slurp(path);
  ASSERT_GT(bytes.size(), 8 * 4096u);
  for (std::size_t i = 4096; i < bytes.size(); i += 4096)  // scribble over every page but the first
    for (std::size_t k = 0; k < 64; ++k) bytes[i + 8 + k] = static_cast<char>(0xA5 ^ k);
  spit(path, bytes);
  expect_refused(path, "journal_corrupt");
}

TEST(JournalSqlite, NewerSchemaVersionIsRefusedNamingBothVersions) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  ASSERT_NE(open_ok(path), nullptr);
  const int newer = journal_schema::kVersion + 1;
  raw_exec(path, "PRAGMA user_version = " + std::to_string(newer));
  expect_refused(path, "journal_too_new");
  auto j = SqliteJournal::open(path);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("version " + std::to_string(newer)), std::string::npos);
  EXPECT_NE(j.error().message.find("up to " + std::to_string(journal_schema::kVersion)),
            std::string::npos);
}

TEST(JournalSqlite, ForeignDatabaseIsRefusedAndKept) {
  TempDir dir;
  std::string path = SqliteJournal::path_in(dir.path());
  raw_exec(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1)");
  expect_refused(path, "journal_foreign");
}

}  // namespace
}  // namespace tandem
