#include "persistence/dataplane/table_checksum.hpp"

namespace tandem {

std::string checksum_sql(const pg::Connection& conn, const std::string& from_clause,
                         const std::string& alias, const std::vector<std::string>& columns,
                         const std::string& where_clause) {
  std::string row;
  for (const auto& c : columns) {
    if (!row.empty()) row += ", ";
    row += alias + "." + conn.quote_ident(c);
  }
  // ROW(x) of a single column still renders as "(x)", so one- and many-column tables
  // hash the same way on both sides.
  std::string sql = "SELECT count(*)::text, coalesce(sum(hashtextextended(ROW(" + row +
                    ")::text, 0)), 0)::text FROM " + from_clause;
  if (!where_clause.empty()) sql += " WHERE " + where_clause;
  return sql;
}

Result<TableChecksum> run_checksum(pg::Connection& conn, const std::string& sql) {
  auto rows = conn.query(sql);
  if (!rows.ok()) return rows.error();
  if (rows->size() != 1 || rows->front().size() != 2 || !rows->front()[0] || !rows->front()[1])
    return make_error("pg_error", "checksum query returned no row");
  return TableChecksum{std::stoull(*rows->front()[0]), *rows->front()[1]};
}

std::string kept_rows_condition(const std::string& exclude_predicate) {
  if (exclude_predicate.empty()) return {};
  return "NOT coalesce((" + exclude_predicate + "), false)";
}

}  // namespace tandem
