// restore and verify — on the target.
//
// restore: one transaction. `SET LOCAL tandem.origin` marks every write as coming from the
// source (so change capture never echoes it back); each table's chunks are loaded into its
// staging table with binary COPY (or straight into the target table when it is empty);
// mirror deletes run children-first; merges run parents-first; sequences are advanced;
// COMMIT. A failure or a cancel rolls everything back: the target is never seen half-synced.
//
// verify: per table, row count and content checksum of the target over the snapshot's
// keys (the staging table's keys; the whole table when it was loaded directly or in
// mirror mode), compared with the manifest. A mismatch names the table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/dataplane/range_digest.hpp"
#include "persistence/dataplane/restore_plan.hpp"
#include "persistence/spool/spool.hpp"

namespace tandem {

struct RestoreRequest {
  std::string conninfo;     // the target database
  std::string origin_node;  // the source's node id, stored in tandem.origin
  // Runs inside the restore transaction just before COMMIT, so what it writes commits
  // with the data or not at all (periodic sync's cursor for the source is set here).
  std::function<Status(pg::Connection&)> before_commit;
};

struct RestoreStats {
  std::uint64_t rows_loaded = 0;    // rows read from chunks
  std::uint64_t rows_inserted = 0;
  std::uint64_t rows_updated = 0;
  std::uint64_t rows_deleted = 0;   // mirror mode
  std::uint64_t tables_loaded_directly = 0;  // empty target tables: plain COPY
  std::uint64_t tables_bulk_loaded = 0;      // … of them without per-row checks (bulk_load.hpp)
  std::uint64_t indexes_rebuilt = 0;         // … their indexes built after the load (index_rebuild.hpp)
  std::string indexes_kept_because;          // why none were, when some could have been
};

Result<RestoreStats> run_restore(const RestoreRequest& req, const Manifest& manifest,
                                 const RestorePlan& plan, const Spool& spool,
                                 const ProgressFn& progress, CancelToken& cancel);

struct TableMismatch {
  std::string table;  // "public.orders"
  std::uint64_t expected_rows = 0, found_rows = 0;
  std::string expected_sum, found_sum;
};

// What the target's change log shows written by others while the sync ran, as SQL
// (periodic/change_feed.hpp builds it): a condition on the row `alias` of a synced table
// (or of its staging copy) that its key was written, and a SELECT of one key column's
// value, one row per written key. With them, the target's range digest of the session (when the
// range diff ran), which holds the snapshot's sums of the ranges that were not shipped.
struct WrittenMeanwhile {
  std::function<std::string(const pg::TableInfo& table, const std::string& alias)> key_written;
  std::function<std::string(const pg::TableInfo& table, const std::string& key_column,
                            const std::string& key_type)>
      written_keys;
  std::vector<TableDigest> digest;
  // The session's chunks. A table restore loaded directly (it was empty) has no staging
  // table to tell the snapshot's rows by: verify stages it from here when it must compare
  // it again. Null: such a table is not compared again.
  const Spool* spool = nullptr;
};

// Tables that matched only with the keys written meanwhile left out, and how many keys
// that left out of the comparison.
struct VerifyReport {
  std::vector<std::pair<std::string, std::uint64_t>> left_out;
};

// Ok when every table matches; otherwise "verify_mismatch" naming the first table (the
// message lists all of them). With `written`, a table that differs is compared once
// more with the keys written meanwhile left out on both sides (the target's rows; the
// snapshot's as its staging table holds them, and for a range the range diff did not
// ship, the whole range, whose snapshot sums the digest holds), so an application
// writing to the target during the sync does not fail it; such tables are listed in
// `report`. A table loaded without a staging table (it was empty) still fails.
Status run_verify(const std::string& conninfo, const Manifest& manifest,
                  const RestorePlan& plan, const ProgressFn& progress, CancelToken& cancel,
                  const WrittenMeanwhile* written = nullptr, VerifyReport* report = nullptr);

}  // namespace tandem
