#include "persistence/journal_schema.hpp"

#include <cstring>
#include <fstream>
#include <vector>

namespace tandem::journal_schema {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Frozen: a released migration never changes. Append new ones at the end.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, R"sql(
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  direction TEXT NOT NULL,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  initiator TEXT NOT NULL,
  compression INTEGER NOT NULL,
  verify INTEGER NOT NULL,
  mode TEXT NOT NULL,
  method TEXT NOT NULL,
  bandwidth_limit_mbps REAL NOT NULL,
  state TEXT NOT NULL,
  phase TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  last_progress_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  peer_retries INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  cancel_reason TEXT NOT NULL
);
CREATE INDEX sessions_by_created ON sessions(created_at, id);
CREATE INDEX sessions_by_source ON sessions(source, created_at);
CREATE INDEX sessions_by_target ON sessions(target, created_at);
CREATE INDEX sessions_by_state ON sessions(state);

CREATE TABLE transitions (
  session_id TEXT NOT NULL REFERENCES sessions(id),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  phase TEXT NOT NULL,
  event TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions
  BEGIN SELECT RAISE(ABORT, 'the transition log is append-only'); END;
CREATE TRIGGER transitions_no_delete BEFORE DELETE ON transitions
  BEGIN SELECT RAISE(ABORT, 'the transition log is append-only'); END;

CREATE TABLE checkpoints (
  session_id TEXT NOT NULL REFERENCES sessions(id),
  phase TEXT NOT NULL,
  checkpoint INTEGER NOT NULL,
  checkpoint_note TEXT NOT NULL,
  bytes_done INTEGER NOT NULL,
  bytes_total INTEGER NOT NULL,
  rows_done INTEGER NOT NULL,
  rows_total INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, phase)
) WITHOUT ROWID;

CREATE TABLE log_lines (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  at INTEGER NOT NULL,
  level TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX log_lines_by_session ON log_lines(session_id, id);
)sql"},
  };
  return list;
}

Error refused(const std::string& code, const std::string& path, const std::string& what,
              const std::string& todo) {
  return make_error(code,
                    "journal " + path + " " + what +
                        ". The file was kept as it is and tandemd will not start on it. " +
                        todo,
                    path);
}

Error corrupt(const std::string& path, const std::string& why) {
  return refused("journal_corrupt", path, "is unreadable (" + why + ")",
                 "Restore it from a backup, or move it aside (mv " + path + " " + path +
                     ".corrupt) to start with an empty journal; unfinished sessions in "
                     "it will then not resume.");
}

// Returns the first bytes of the file, or empty when it is missing or empty (a new
// journal: SQLite itself leaves a zero-length file until the first write).
std::string read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string header(100, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<std::size_t>(in.gcount()));
  return header;
}

Status check_header(const std::string& path) {
  std::string header = read_header(path);
  if (header.empty()) return ok_status();
  static const char kMagic[] = "SQLite format 3";  // 16 bytes with the terminating NUL
  if (header.size() < 100 || std::memcmp(header.data(), kMagic, sizeof kMagic) != 0)
    return corrupt(path, "not an SQLite database: its header is missing or damaged");
  return ok_status();
}

Status check_integrity(sqlite::Db& db) {
  const std::string sql = "PRAGMA integrity_check";
  auto stmt = db.prepare(sql);
  if (!stmt) return corrupt(db.path(), stmt.error().message);
  std::string problems;
  int rows = 0;
  for (;;) {
    auto row = stmt->step();
    if (!row) return corrupt(db.path(), row.error().message);
    if (!*row) break;
    std::string line = stmt->column_text(0);
    if (line == "ok") continue;
    if (rows++ < 3) problems += (problems.empty() ? "" : "; ") + line;
  }
  if (rows > 0) return corrupt(db.path(), "integrity check: " + problems);
  return ok_status();
}

// Refuses files that are not ours or are newer than this build; returns the version.
Result<int> check_version(sqlite::Db& db) {
  const std::string& path = db.path();
  auto app = db.query_int("PRAGMA application_id");
  auto version = db.query_int("PRAGMA user_version");
  auto objects = db.query_int("SELECT count(*) FROM sqlite_schema");
  if (!app) return app.error();
  if (!version) return version.error();
  if (!objects) return objects.error();
  bool empty = *app == 0 && *version == 0 && *objects == 0;
  if (!empty && *app != kApplicationId)
    return refused("journal_foreign", path, "is an SQLite database but not a tandem journal",
                   "Point state_dir at tandem's own directory, or move the file aside.");
  if (*version > kVersion)
    return refused("journal_too_new", path,
                   "has schema version " + std::to_string(*version) +
                       ", but this tandemd knows versions up to " + std::to_string(kVersion) +
                       " (it was written by a newer tandemd)",
                   "Run the newer tandemd again, or restore the journal backed up before "
                   "the upgrade.");
  return static_cast<int>(*version);
}

Status configure(sqlite::Db& db) {
  // WAL + synchronous=FULL: a commit is on disk when COMMIT returns, and readers never
  // block the writer. journal_mode answers with the mode it actually set.
  auto mode = db.prepare("PRAGMA journal_mode=WAL");
  if (!mode) return mode.error();
  auto row = mode->step();
  if (!row) return row.error();
  if (!*row || mode->column_text(0) != "wal")
    return make_error("journal_io", "journal " + db.path() + ": cannot switch to WAL mode",
                      db.path());
  return db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
}

Status migrate(sqlite::Db& db, int from) {
  for (const Migration& m : migrations()) {
    if (m.version <= from) continue;
    auto txn = sqlite::Transaction::begin(db);
    if (!txn) return txn.error();
    auto st = db.exec(m.sql);
    if (!st) return st.error();
    st = db.exec("PRAGMA application_id=" + std::to_string(kApplicationId) +
                 "; PRAGMA user_version=" + std::to_string(m.version));
    if (!st) return st.error();
    st = txn->commit();
    if (!st) return st.error();
  }
  return ok_status();
}

}  // namespace

Result<sqlite::Db> open(const std::string& path) {
  if (auto st = check_header(path); !st) return st.error();
  auto db = sqlite::Db::open(path);
  if (!db) return db.error();
  if (auto st = check_integrity(*db); !st) return st.error();
  auto version = check_version(*db);
  if (!version) return version.error();
  if (auto st = configure(*db); !st) return st.error();
  if (auto st = migrate(*db, *version); !st) return st.error();
  return std::move(*db);
}

}  // namespace tandem::journal_schema
