// The content checksum of a table: row count plus the sum of a 64-bit hash of each row's
// text form, computed in SQL so that verify never ships the data twice. Order does not
// matter (a sum), so the source's snapshot and the target's table compare directly.
// Both sides must use apply_data_plane_settings() so the text forms agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

struct TableChecksum {
  std::uint64_t rows = 0;
  std::string sum;  // decimal text of a numeric; "0" for no rows

  bool operator==(const TableChecksum& o) const { return rows == o.rows && sum == o.sum; }
};

// SELECT count(*), coalesce(sum(hashtextextended(ROW(cols)::text, 0)), 0)
//   FROM <from_clause> [WHERE <where_clause>]
// `from_clause` is quoted by the caller ("public"."orders" t); columns are quoted here
// and qualified by `alias`.
std::string checksum_sql(const pg::Connection& conn, const std::string& from_clause,
                         const std::string& alias, const std::vector<std::string>& columns,
                         const std::string& where_clause);

Result<TableChecksum> run_checksum(pg::Connection& conn, const std::string& sql);

// "NOT coalesce((<predicate>), false)", or "" for no predicate: rows kept by exclude_rows.
std::string kept_rows_condition(const std::string& exclude_predicate);

}  // namespace tandem
