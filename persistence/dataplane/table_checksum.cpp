#include "persistence/dataplane/table_checksum.hpp"

#include <regex>

namespace tandem {
namespace {

// Types whose hash function sees exactly what their text form shows: two values hash
// alike only if they print alike (no 1.0 = 1.00, no -0 = 0, no case folding). Anything
// not listed (including domains and arrays of these) goes through its text form.
bool hashes_exactly(const std::string& type) {
  static const std::regex exact(
      "smallint|integer|bigint|boolean|uuid|date|bytea|oid|"
      "timestamp(\\([0-6]\\))? with(out)? time zone|time(\\([0-6]\\))? without time zone");
  return std::regex_match(type, exact);
}

}  // namespace

bool is_plain_text(const std::string& type) {
  static const std::regex text("text|character varying(\\([0-9]+\\))?");
  return std::regex_match(type, text);
}

const char* to_string(RowHash h) { return h == RowHash::typed ? "typed" : "text"; }

std::optional<RowHash> row_hash_from_string(const std::string& s) {
  if (s == "text") return RowHash::text;
  if (s == "typed") return RowHash::typed;
  return std::nullopt;
}

std::string row_hash_sql(const pg::Connection& conn, const std::string& alias,
                         const std::vector<HashedColumn>& columns, RowHash kind) {
  std::string row;
  for (const auto& c : columns) {
    if (!row.empty()) row += ", ";
    std::string value = alias + "." + conn.quote_ident(c.name);
    if (kind == RowHash::text) row += value;
    else if (hashes_exactly(c.type)) row += value;
    else if (is_plain_text(c.type)) row += value + " COLLATE \"C\"";
    else row += value + "::text COLLATE \"C\"";
  }
  // ROW(x) of a single column still renders as "(x)", so one- and many-column tables
  // hash the same way on both sides.
  if (kind == RowHash::text) return "hashtextextended(ROW(" + row + ")::text, 0)";
  return "hash_record_extended(ROW(" + row + "), 0)";
}

std::string checksum_sql(const pg::Connection& conn, const std::string& from_clause,
                         const std::string& alias, const std::vector<HashedColumn>& columns,
                         const std::string& where_clause, RowHash kind) {
  std::string sql = "SELECT count(*)::text, coalesce(sum(" + row_hash_sql(conn, alias, columns, kind) +
                    "), 0)::text FROM " + from_clause;
  if (!where_clause.empty()) sql += " WHERE " + where_clause;
  return sql;
}

std::string table_from_clause(const pg::Connection& conn, const pg::TableInfo& t) {
  return std::string(t.partitioned ? "" : "ONLY ") + pg::qualified_name(conn, t.schema, t.name) +
         " t";
}

std::vector<HashedColumn> hashed_columns(const pg::TableInfo& t) {
  std::vector<HashedColumn> out;
  for (const auto* c : t.copied_columns()) out.push_back({c->name, c->type});
  return out;
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
