#include "persistence/periodic/apply_statements.hpp"

#include <libpq-fe.h>

#include <atomic>

#include "persistence/periodic/feed_sql.hpp"

namespace tandem::periodic {
namespace {

bool is_key(const pg::TableInfo& t, const std::string& column) {
  for (const auto& k : t.primary_key)
    if (k == column) return true;
  return false;
}

// "(t.a, t.b) = (SELECT <a>, <b> FROM jsonb_populate_record(…) r)"
std::string key_match(const pg::Connection& conn, const pg::TableInfo& t) {
  std::string lhs, rhs;
  for (const auto& k : t.primary_key) {
    const auto* c = t.column(k);
    lhs += (lhs.empty() ? "" : ", ") + std::string("t.") + conn.quote_ident(k);
    rhs += (rhs.empty() ? "" : ", ") + column_from_json(conn, *c, "$1", "r");
  }
  return "(" + lhs + ") = (SELECT " + rhs + " FROM " + record_from_json(conn, t, "$1", "r") + ")";
}

std::string error_text(PGconn* c, PGresult* r) {
  std::string m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

std::string upsert_sql(const pg::Connection& conn, const pg::TableInfo& t) {
  std::string cols, values, updates;
  bool identity_always = false;
  for (const auto* c : t.copied_columns()) {
    std::string q = conn.quote_ident(c->name);
    cols += (cols.empty() ? "" : ", ") + q;
    values += (values.empty() ? "" : ", ") + column_from_json(conn, *c, "$1", "r");
    // An identity ALWAYS column can only be updated to DEFAULT: the row keeps the value
    // it was inserted with (such a column never changes after insert anyway).
    if (!is_key(t, c->name) && c->identity != 'a')
      updates += (updates.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
    identity_always |= c->identity == 'a';
  }
  std::string key;
  for (const auto& k : t.primary_key) key += (key.empty() ? "" : ", ") + conn.quote_ident(k);
  return "INSERT INTO " + pg::qualified_name(conn, t.schema, t.name) + " (" + cols + ")" +
         (identity_always ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + values + " FROM " +
         record_from_json(conn, t, "$1", "r") + " ON CONFLICT (" + key + ") DO " +
         (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

std::string delete_sql(const pg::Connection& conn, const pg::TableInfo& t) {
  // ONLY: an inheritance child is a synced table of its own; a partitioned root routes.
  return std::string("DELETE FROM ") + (t.partitioned ? "" : "ONLY ") +
         pg::qualified_name(conn, t.schema, t.name) + " t WHERE " + key_match(conn, t);
}

std::string current_row_sql(const pg::Connection& conn, const pg::TableInfo& t) {
  return "SELECT to_jsonb(t)::text FROM " + pg::qualified_name(conn, t.schema, t.name) +
         " t WHERE " + key_match(conn, t);
}

Result<std::string> PreparedSet::prepare(const std::string& sql) {
  auto it = names_.find(sql);
  if (it != names_.end()) return it->second;
  // Unique per process, so two batches (or two PreparedSets) never collide on one
  // connection even if a release was missed.
  static std::atomic<std::uint64_t> counter{0};
  std::string name = "tandem_apply_" + std::to_string(++counter);
  PGresult* r = PQprepare(conn_.raw(), name.c_str(), sql.c_str(), 1, nullptr);
  bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string err = ok ? "" : error_text(conn_.raw(), r);
  PQclear(r);
  if (!ok) return make_error("pg_error", err + " [" + sql.substr(0, 200) + "]");
  names_.emplace(sql, name);
  return name;
}

Status PreparedSet::run(const std::string& name, const std::string& param) {
  const char* values[1] = {param.c_str()};
  PGresult* r = PQexecPrepared(conn_.raw(), name.c_str(), 1, values, nullptr, nullptr, 0);
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  std::string err = ok ? "" : error_text(conn_.raw(), r);
  const char* code = ok ? "" : pg::error_code_of(conn_.raw(), r);
  PQclear(r);
  if (!ok) return make_error(code, err);
  return ok_status();
}

void PreparedSet::release() {
  for (const auto& [sql, name] : names_) (void)conn_.exec("DEALLOCATE " + name);
  names_.clear();
}

}  // namespace tandem::periodic
