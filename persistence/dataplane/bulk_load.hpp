// Loading an empty target table the way pg_restore does (--disable-triggers), inside the
// restore transaction: the rows go in with `session_replication_role = replica`, so no
// per-row foreign-key check and no trigger fires (tandem's capture trigger would skip
// these rows anyway, and the source's rows already carry what its triggers did); then
// every foreign key of the table is proven with one set-based anti-join, as
// `ALTER TABLE … ADD FOREIGN KEY` proves a new constraint. A violation fails the restore
// (the transaction rolls back), naming the constraint and one offending key.
//
// Measured (docs/performance.md, "Full sync"): per-row foreign-key checks and the
// capture trigger were ~80 % of a pull into an empty database.
//
// Needs the right to set session_replication_role (a superuser, or PostgreSQL 15's
// `GRANT SET ON PARAMETER session_replication_role`); without it the table is loaded
// with per-row checks as before. A table with a MATCH FULL foreign key is loaded that
// way too (the anti-join below proves MATCH SIMPLE only).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// One foreign key of a table, as a statement returning one violating key (or no row).
struct ForeignKeyCheck {
  std::string constraint;
  std::string referenced;  // the referenced table: "schema.name"
  std::string sql;
};

struct BulkLoadPlan {
  bool eligible = false;  // no MATCH FULL foreign key
  std::vector<ForeignKeyCheck> checks;
};

// Every foreign key of `quoted_table` ("schema"."name"), read from pg_constraint.
Result<BulkLoadPlan> plan_bulk_load(pg::Connection& conn, const std::string& quoted_table);

// Turns per-row checks and triggers off for this transaction; false (and nothing
// changed) when this role may not.
Result<bool> suspend_row_checks(pg::Connection& conn);
Status resume_row_checks(pg::Connection& conn);

// Runs the checks; an error names the constraint, the tables and one offending key.
Status prove_foreign_keys(pg::Connection& conn, const std::string& table,
                          const std::vector<ForeignKeyCheck>& checks);

}  // namespace tandem
