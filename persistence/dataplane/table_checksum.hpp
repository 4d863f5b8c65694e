// The content checksum of a table: row count plus the sum of a 64-bit hash of each row,
// computed in SQL so that verify never ships the data twice. Order does not matter (a
// sum), so the source's snapshot and the target's table compare directly. Both sides
// must use apply_data_plane_settings() so the text forms agree.
//
// Two row hashes exist; the manifest names the one its checksums were made with, so a
// backup made by an older tandem still verifies:
//   text:  hashtextextended(ROW(cols)::text, 0): every value through its text form.
//   typed: hash_record_extended(ROW(cols), 0), where a column whose type's hash is
//          exact (equal hash input ⇔ equal text form: integers, boolean, uuid, date,
//          timestamps, bytea, and text/varchar under COLLATE "C") is hashed as it is
//          stored, and every other column (numeric, float, jsonb, arrays, domains, …)
//          through its text form, so 1.0 and 1.00 still differ. About twice as fast:
//          no text rendering of the exact columns (docs/performance.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

struct TableChecksum {
  std::uint64_t rows = 0;
  std::string sum;  // decimal text of a numeric; "0" for no rows

  bool operator==(const TableChecksum& o) const { return rows == o.rows && sum == o.sum; }
};

enum class RowHash { text, typed };
const char* to_string(RowHash h);
// "text" or "typed"; nullopt for anything else.
std::optional<RowHash> row_hash_from_string(const std::string& s);

struct HashedColumn {
  std::string name;
  std::string type;  // format_type(), as in the catalog and the manifest
};

// text or varchar(n): compared and hashed under COLLATE "C" (bytewise, whatever the
// column's own collation; a nondeterministic one would fold case).
bool is_plain_text(const std::string& type);

// The SQL expression (a bigint) hashing one row of `alias`.
std::string row_hash_sql(const pg::Connection& conn, const std::string& alias,
                         const std::vector<HashedColumn>& columns, RowHash kind);

// SELECT count(*), coalesce(sum(<row hash>), 0) FROM <from_clause> [WHERE <where_clause>]
// `from_clause` is quoted by the caller ("public"."orders" t); columns are quoted here
// and qualified by `alias`.
std::string checksum_sql(const pg::Connection& conn, const std::string& from_clause,
                         const std::string& alias, const std::vector<HashedColumn>& columns,
                         const std::string& where_clause, RowHash kind);

// "ONLY "s"."t" t" for a plain table (inheritance children are synced as tables of their
// own), the whole tree for a partitioned root: the FROM clause reading a table's own rows.
std::string table_from_clause(const pg::Connection& conn, const pg::TableInfo& t);

// The copied (non-generated) columns of a catalog table, for the two functions above.
std::vector<HashedColumn> hashed_columns(const pg::TableInfo& t);

Result<TableChecksum> run_checksum(pg::Connection& conn, const std::string& sql);

// "NOT coalesce((<predicate>), false)", or "" for no predicate: rows kept by exclude_rows.
std::string kept_rows_condition(const std::string& exclude_predicate);

}  // namespace tandem
