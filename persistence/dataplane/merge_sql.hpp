// The SQL text of one table's restore, compiled once by convert (plan_restore) so that
// restore only runs statements and every statement can be read in one place.
// Internal to persistence/dataplane.
#pragma once

#include <string>

#include "persistence/dataplane/restore_plan.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// Fills every SQL field of `plan` (create_staging … analyze_staging, sequence_updates).
// Expects manifest_table, target, staging_table and columns already set. `mt` supplies
// the source's sequence values; `predicate` is the exclude_rows predicate that applies on
// the target ("" none).
void compile_table_sql(const pg::Connection& conn, SyncMode mode, const ManifestTable& mt,
                       const std::string& predicate, TablePlan& plan);

}  // namespace tandem
