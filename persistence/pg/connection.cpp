#include "persistence/pg/connection.hpp"

#include <utility>

namespace tandem::pg {
namespace {

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { PQclear(r); }
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Enough of the statement to recognise it in a log line.
std::string sql_excerpt(const std::string& sql) {
  constexpr std::size_t kMax = 160;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax) + "…";
}

Rows collect(PGresult* res) {
  Rows rows;
  int n = PQntuples(res), cols = PQnfields(res);
  rows.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row row;
    row.reserve(static_cast<std::size_t>(cols));
    for (int j = 0; j < cols; ++j) {
      if (PQgetisnull(res, i, j)) row.emplace_back(std::nullopt);
      else row.emplace_back(std::string(PQgetvalue(res, i, j),
                                        static_cast<std::size_t>(PQgetlength(res, i, j))));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

Connection::Connection(PGconn* conn)
    : conn_(conn), cancel_mutex_(std::make_unique<std::mutex>()), cancel_(PQgetCancel(conn)) {}

Connection::Connection(Connection&& o) noexcept
    : conn_(std::exchange(o.conn_, nullptr)),
      cancel_mutex_(std::move(o.cancel_mutex_)),
      cancel_(std::exchange(o.cancel_, nullptr)) {}

Connection& Connection::operator=(Connection&& o) noexcept {
  // Swap: `o` now owns our old connection and closes it when it goes.
  std::swap(conn_, o.conn_);
  std::swap(cancel_mutex_, o.cancel_mutex_);
  std::swap(cancel_, o.cancel_);
  return *this;
}

Connection::~Connection() {
  if (cancel_) PQfreeCancel(cancel_);
  if (conn_) PQfinish(conn_);
  cancel_ = nullptr;
  conn_ = nullptr;
}

Result<Connection> Connection::open(const std::string& conninfo,
                                    const std::string& application_name) {
  const char* keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
  const char* values[] = {conninfo.c_str(), application_name.c_str(), "10", nullptr};
  // expand_dbname=1: `conninfo` is parsed as a full connection string.
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) return make_error("pg_connect", "out of memory creating a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return make_error("pg_connect", "cannot connect to PostgreSQL: " + why);
  }
  return Connection(conn);
}

const char* error_code_of(PGconn* conn, const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return kConflict;
  // Class 08 connection exceptions; 57P01-57P03 the server shutting down or starting.
  if (sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
    return kConnectionLost;
  if (conn && PQstatus(conn) == CONNECTION_BAD) return kConnectionLost;
  return kError;
}

Error Connection::error_for(const std::string& what, PGresult* res) const {
  std::string msg = res ? PQresultErrorMessage(res) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  return make_error(error_code_of(conn_, res), trimmed(msg) + " (in: " + sql_excerpt(what) + ")");
}

Status Connection::exec(const std::string& sql) {
  ResultGuard g{PQexec(conn_, sql.c_str())};
  auto st = PQresultStatus(g.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error_for(sql, g.r);
  return ok_status();
}

Result<Rows> Connection::query(const std::string& sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  ResultGuard g{PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0)};
  auto st = PQresultStatus(g.r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return error_for(sql, g.r);
  return collect(g.r);
}

Result<Value> Connection::scalar(const std::string& sql, const Params& params) {
  auto rows = query(sql, params);
  if (!rows.ok()) return rows.error();
  if (rows->empty() || rows->front().empty())
    return make_error("pg_error", "expected a row from: " + sql_excerpt(sql));
  return rows->front().front();
}

Result<std::uint64_t> Connection::copy_out(
    const std::string& copy_sql, const std::function<Status(const char*, std::size_t)>& sink) {
  {
    ResultGuard g{PQexec(conn_, copy_sql.c_str())};
    if (PQresultStatus(g.r) != PGRES_COPY_OUT) return error_for(copy_sql, g.r);
  }
  std::uint64_t messages = 0;
  Status sink_status = ok_status();
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, 0);
    if (n > 0) {
      if (sink_status.ok()) {
        sink_status = sink(buf, static_cast<std::size_t>(n));
        if (!sink_status.ok()) cancel();  // stop the server sending the rest
      }
      PQfreemem(buf);
      ++messages;
      continue;
    }
    if (n == -2) return error_for(copy_sql);
    break;  // -1: copy done
  }
  // Drain the final result(s) of the COPY.
  Status final_status = ok_status();
  while (PGresult* r = PQgetResult(conn_)) {
    ResultGuard g{r};
    if (PQresultStatus(r) != PGRES_COMMAND_OK && final_status.ok())
      final_status = error_for(copy_sql, r);
  }
  if (!sink_status.ok()) return sink_status.error();
  if (!final_status.ok()) return final_status.error();
  return messages;
}

Status Connection::copy_in_begin(const std::string& copy_sql) {
  ResultGuard g{PQexec(conn_, copy_sql.c_str())};
  if (PQresultStatus(g.r) != PGRES_COPY_IN) return error_for(copy_sql, g.r);
  return ok_status();
}

Status Connection::copy_in_put(const char* data, std::size_t len) {
  constexpr std::size_t kPiece = 1 << 30;  // PQputCopyData takes an int length
  while (len > 0) {
    std::size_t n = len < kPiece ? len : kPiece;
    if (PQputCopyData(conn_, data, static_cast<int>(n)) != 1) return error_for("COPY FROM STDIN");
    data += n;
    len -= n;
  }
  return ok_status();
}

Status Connection::copy_in_end(const std::string& abort_reason) {
  if (PQputCopyEnd(conn_, abort_reason.empty() ? nullptr : abort_reason.c_str()) != 1)
    return error_for("COPY FROM STDIN (end)");
  Status status = ok_status();
  while (PGresult* r = PQgetResult(conn_)) {
    ResultGuard g{r};
    if (PQresultStatus(r) != PGRES_COMMAND_OK && status.ok())
      status = error_for("COPY FROM STDIN", r);
  }
  return status;
}

void Connection::cancel() {
  if (!cancel_mutex_) return;
  std::lock_guard<std::mutex> lock(*cancel_mutex_);
  if (!cancel_) return;
  char err[256];
  PQcancel(cancel_, err, sizeof err);  // best effort: the statement may already be done
}

std::string Connection::quote_ident(const std::string& name) const {
  char* q = PQescapeIdentifier(conn_, name.c_str(), name.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

std::string Connection::quote_literal(const std::string& value) const {
  char* q = PQescapeLiteral(conn_, value.c_str(), value.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

int Connection::server_version() const { return PQserverVersion(conn_); }

std::string qualified_name(const Connection& c, const std::string& schema,
                           const std::string& table) {
  return c.quote_ident(schema) + "." + c.quote_ident(table);
}

}  // namespace tandem::pg
