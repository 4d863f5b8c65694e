// One libpq connection, with errors as values. Every failure carries the SQL (trimmed)
// and PostgreSQL's message, so callers can add table/chunk context and pass it up.
//
// Ownership: a Connection is used by one thread at a time; cancel() is the one call that
// may come from another thread (it uses PQcancel, which is thread-safe).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace tandem::pg {

// Query answer: rows of text values; SQL NULL is nullopt.
using Value = std::optional<std::string>;
using Row = std::vector<Value>;
using Rows = std::vector<Row>;
using Params = std::vector<Value>;

// Error codes a failed statement carries, by what a caller can do about it:
//   kConflict       lost a lock conflict (deadlock, serialization failure, lock wait
//                   timeout): the transaction was rolled back, and running it again can
//                   succeed;
//   kConnectionLost the server went away (restart, failover, terminated backend);
//   kError          anything else (the statement itself is wrong for this database).
constexpr const char* kConflict = "pg_conflict";
constexpr const char* kConnectionLost = "pg_connection_lost";
constexpr const char* kError = "pg_error";
// Which of the three a failure on `conn` with result `res` (may be null) is.
const char* error_code_of(PGconn* conn, const PGresult* res);

class Connection {
 public:
  // Connects and sets application_name; fails with the server's reason.
  static Result<Connection> open(const std::string& conninfo,
                                 const std::string& application_name = "tandemd");

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements that return no rows we need.
  Status exec(const std::string& sql);
  // Runs one statement with $1.. text parameters; returns its rows.
  Result<Rows> query(const std::string& sql, const Params& params = {});
  // First column of the first row (error if there is no row).
  Result<Value> scalar(const std::string& sql, const Params& params = {});

  // COPY … TO STDOUT: `sink` gets each data message as libpq delivers it (one row per
  // message for COPY from a query); returns the number of messages. A sink error stops
  // the copy (the connection then needs a ROLLBACK of any open transaction).
  Result<std::uint64_t> copy_out(const std::string& copy_sql,
                                 const std::function<Status(const char*, std::size_t)>& sink);

  // COPY … FROM STDIN in three steps, so the data can come from many chunks.
  Status copy_in_begin(const std::string& copy_sql);
  Status copy_in_put(const char* data, std::size_t len);
  // Ends the COPY; `abort_reason` non-empty makes the server discard it.
  Status copy_in_end(const std::string& abort_reason = {});

  // Asks the server to cancel the statement now running. Thread-safe.
  void cancel();

  std::string quote_ident(const std::string& name) const;
  std::string quote_literal(const std::string& value) const;
  int server_version() const;  // e.g. 150020

  PGconn* raw() { return conn_; }

 private:
  explicit Connection(PGconn* conn);
  Error error_for(const std::string& what, PGresult* res = nullptr) const;

  PGconn* conn_ = nullptr;
  // PQcancel's object is created once per connection and guarded, so cancel() can run
  // from another thread while this one is inside a statement.
  std::unique_ptr<std::mutex> cancel_mutex_;
  PGcancel* cancel_ = nullptr;
};

// "schema"."table" with each part quoted as needed.
std::string qualified_name(const Connection& c, const std::string& schema,
                           const std::string& table);

}  // namespace tandem::pg
