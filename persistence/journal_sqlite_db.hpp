// A thin RAII wrapper over the SQLite C API for the journal: owns sqlite3* and
// sqlite3_stmt*, turns return codes into tandem::Error values that carry the SQL text
// they came from, and scopes transactions. No exceptions cross it.
//
// Ownership: a Db and its Stmts are used by one thread at a time (see journal.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tandem::sqlite {

class Stmt;

class Db {
 public:
  // Opens (creating if missing) the file read-write. Writes nothing to it.
  static Result<Db> open(const std::string& path);

  Db() = default;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements that return no rows we need.
  Status exec(const std::string& sql);
  Result<Stmt> prepare(const std::string& sql);
  // Runs a query that yields one integer (e.g. "PRAGMA user_version").
  Result<std::int64_t> query_int(const std::string& sql);

  // Error naming the SQLite error and the SQL that caused it: code
  // "journal_constraint" for a violated constraint (unique, foreign key, trigger),
  // "journal_io" for everything else.
  Error error(int rc, const std::string& sql) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* stmt, std::string sql) : db_(&db), stmt_(stmt), sql_(std::move(sql)) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Makes the statement ready to run again with new bindings.
  void reset();
  void bind(int index, std::int64_t value);
  void bind(int index, double value);
  void bind(int index, const std::string& value);
  // true: a row is ready to read; false: done.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Status run();

  std::int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  const std::string& sql() const { return sql_; }

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

// Resets a cached statement on entry and exit of a scope. A statement left pending
// keeps its read snapshot open (blocking WAL checkpoints) and makes COMMIT fail.
class Scoped {
 public:
  explicit Scoped(Stmt& stmt) : stmt_(stmt) { stmt_.reset(); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
  ~Scoped() { stmt_.reset(); }
  Stmt* operator->() { return &stmt_; }
  Stmt& operator*() { return stmt_; }

 private:
  Stmt& stmt_;
};

// BEGIN IMMEDIATE on construction (via begin()), ROLLBACK on destruction unless
// commit() succeeded: any early return leaves the file unchanged.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Db& db) : db_(&db) {}
  Db* db_;
};

}  // namespace tandem::sqlite
