#include "persistence/journal_sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace tandem::sqlite {

Result<Db> Db::open(const std::string& path) {
  Db db;
  db.path_ = path;
  // NOMUTEX: one thread owns the journal (see journal.hpp), so SQLite's own locking
  // would only cost time.
  int rc = sqlite3_open_v2(path.c_str(), &db.db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db.db_ ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc);
    return make_error("journal_io", "cannot open journal " + path + ": " + why, path);
  }
  sqlite3_extended_result_codes(db.db_, 1);
  return db;
}

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Error Db::error(int rc, const std::string& sql) const {
  std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  bool constraint = (rc & 0xff) == SQLITE_CONSTRAINT;
  return make_error(constraint ? "journal_constraint" : "journal_io",
                    "journal " + path_ + ": " + why + " (sqlite code " + std::to_string(rc) +
                        ", in: " + sql + ")");
}

Status Db::exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  return ok_status();
}

Result<Stmt> Db::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  return Stmt(*this, stmt, sql);
}

Result<std::int64_t> Db::query_int(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return make_error("journal_io", "journal " + path_ + ": no row from: " + sql);
  return stmt->column_int(0);
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), sql_(std::move(other.sql_)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Stmt::bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
void Stmt::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error err = db_->error(rc, sql_);
  sqlite3_reset(stmt_);  // leave the statement reusable after a failure
  return err;
}

Status Stmt::run() {
  auto row = step();
  if (!row) return row.error();
  return ok_status();
}

std::int64_t Stmt::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<Transaction> Transaction::begin(Db& db) {
  // IMMEDIATE takes the write lock now, so a busy journal fails here, before any work.
  auto st = db.exec("BEGIN IMMEDIATE");
  if (!st) return st.error();
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  auto st = db_->exec("COMMIT");
  // On a failed COMMIT SQLite may keep the transaction open; the destructor rolls back.
  if (st) db_ = nullptr;
  return st;
}

}  // namespace tandem::sqlite
