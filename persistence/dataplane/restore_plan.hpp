// convert — on the target: check the manifest against the target's schema and compile the
// restore plan. Nothing is written to the target here, so a mismatch fails the session
// before the target is touched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/spool/manifest.hpp"
#include "statemachine/session.hpp"

namespace tandem {

// Where a synced table's staging copy lives: schema "tandem_staging", one UNLOGGED table
// per (session, table), named "<session id>_<table index>". Staging tables outlive the
// restore transaction so verify can compare exactly the snapshot's keys; they are dropped
// when the session ends (drop_staging).
constexpr const char* kStagingSchema = "tandem_staging";

// Run at the start of the restore transaction (measured in docs/performance.md, "Data
// plane"). work_mem: each merge hash-joins a whole staging table against its target
// table; at the default 4 MB a 600K-row table spills to 8 batches on disk, at 64 MB it
// stays in memory (one merge at a time, so one such hash table). default_statistics_target:
// the merge's plan needs only the staging table's row count from its ANALYZE, which then
// samples 300 rows instead of 30,000 (3 ms instead of ~150 ms a table at 600K rows).
// parallel_*_cost: the merge's anti-join (merge_sql.cpp) returns ~100K of 600K rows, and
// at the default costs the planner priced moving them out of the workers above the work
// it saves; measured, two workers halve it.
constexpr const char* kRestoreSettings =
    "SET LOCAL work_mem = '64MB'; SET LOCAL default_statistics_target = 1; "
    "SET LOCAL parallel_setup_cost = 100; SET LOCAL parallel_tuple_cost = 0.01;";

struct TablePlan {
  std::uint32_t manifest_table = 0;  // index into Manifest::tables (and chunk.table)
  pg::TableInfo target;              // the target's view of the table
  std::string staging_table;         // unquoted name inside kStagingSchema
  std::vector<std::string> columns;  // copied columns, in the manifest's COPY order
  // SQL, fully quoted, compiled once here (each runs inside the restore transaction):
  std::string create_staging;        // CREATE UNLOGGED TABLE … (same column types)
  std::string copy_into_staging;     // COPY staging (cols) FROM STDIN (FORMAT binary)
  std::string copy_into_target;      // the fast path when the target table is empty
  std::string diff;                  // CREATE TABLE of the new or changed staged rows ("" none)
  std::string drop_diff;             // … and its DROP once merged
  std::string merge;                 // INSERT … SELECT them … ON CONFLICT (pk) DO UPDATE
  std::string mirror_delete;         // mirror mode only: DELETE target rows not in staging
  std::vector<std::string> sequence_updates;  // setval(…) past the source's and target's max
  // Added by the restore implementation:
  std::string kept_rows;          // target rows a sync may touch ("" all): exclude_rows' NOT
  std::string target_from;        // "ONLY "s"."t" t" (the whole tree for a partitioned root)
  std::string staging_from;       // "tandem_staging"."<session>_<i>" s
  std::string staging_keys;       // "EXISTS (SELECT 1 FROM staging s WHERE s.pk = t.pk …)"
  std::string staging_keys_reversed;  // "EXISTS (SELECT 1 FROM target t WHERE t.pk = s.pk …)"
  std::string rows_held;          // the target's rows, counted up to kInUseRows: 0 takes the fast path
  std::string drop_staging;       // DROP TABLE IF EXISTS staging (a resumed restore)
  std::string analyze_staging;    // ANALYZE staging, so the merge gets a sane plan
  bool has_key() const { return !target.primary_key.empty(); }
};

struct RestorePlan {
  std::string session_id;
  SyncMode mode = SyncMode::merge;
  std::vector<TablePlan> tables;  // foreign-key order (parents first)
  // Deferrable foreign keys are deferred to COMMIT (SET CONSTRAINTS ALL DEFERRED), so
  // only non-deferrable ones order the tables; a cycle of those is refused here.
  bool defer_constraints = false;
};

// "<session id>_<manifest table index>", the staging table's unquoted name.
std::string staging_table_name(const std::string& session_id, std::uint32_t manifest_table);

// Loads the target's catalog and checks, for every manifest table: the table exists,
// every manifest column exists with the same type, the primary keys agree, no target
// NOT NULL column without default is missing from the manifest. In merge mode a table
// without a primary key is refused ("exclude it or use mirror mode"). Errors name the
// table and the column ("public.orders.total: type numeric(10,2) on the source, text on
// the target").
Result<RestorePlan> plan_restore(pg::Connection& target, const Manifest& manifest,
                                 const pg::TableSelection& selection, SyncMode mode);

// Drops every staging table of `session_id`. Idempotent.
Status drop_staging(pg::Connection& target, const std::string& session_id);

}  // namespace tandem
