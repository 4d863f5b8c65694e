// The statements apply_changes runs per change, generated from the receiver's catalog
// and prepared once per batch (internal to persistence/periodic).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "persistence/pg/catalog.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem::periodic {

// $1 = the change's row (jsonb text): INSERT … ON CONFLICT (pk) DO UPDATE of every copied
// column; generated columns are recomputed, identity ALWAYS columns take the peer's value.
std::string upsert_sql(const pg::Connection& conn, const pg::TableInfo& t);
// $1 = the change's pk (jsonb text): DELETE of that row.
std::string delete_sql(const pg::Connection& conn, const pg::TableInfo& t);
// $1 = pk: the current row as jsonb text (for tandem.conflicts), no row if absent.
std::string current_row_sql(const pg::Connection& conn, const pg::TableInfo& t);

// Statements prepared on one connection under unique names, each with one text
// parameter. release() deallocates them; call it outside any failed transaction.
class PreparedSet {
 public:
  explicit PreparedSet(pg::Connection& conn) : conn_(conn) {}
  PreparedSet(const PreparedSet&) = delete;
  PreparedSet& operator=(const PreparedSet&) = delete;
  ~PreparedSet() { release(); }

  // The name `sql` is prepared under (prepared on first use).
  Result<std::string> prepare(const std::string& sql);
  // Runs a prepared statement; the error carries PostgreSQL's message.
  Status run(const std::string& name, const std::string& param);
  void release();

 private:
  pg::Connection& conn_;
  std::map<std::string, std::string> names_;  // sql -> name
};

}  // namespace tandem::periodic
