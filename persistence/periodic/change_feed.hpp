// Periodic sync's data plane: capturing changes, serving them to a peer, applying a
// peer's changes with conflict resolution. libpq only; the actors call it from workers.
//
// Capture: tandemd installs (idempotently) schema "tandem" with
//   tandem.change_log(id bigserial, table_schema, table_name, op 'I'|'U'|'D', pk jsonb,
//                     row_data jsonb, origin text, changed_at timestamptz, txid bigint,
//                     superseded boolean)
//   tandem.cursors(peer, prev_snapshot, window_snapshot, last_id, updated_at)
//   tandem.peer_acks(peer, acked_snapshot, acked_window, acked_last_id, updated_at)
//                    -- the cursor the peer sent with its last fetch: what it has applied
//   tandem.conflicts(id, table_schema, table_name, pk, local_row, remote_row, local_origin,
//                    remote_origin, local_changed_at, remote_changed_at, winner, policy, resolved_at)
//   tandem.quarantine(id, peer, change jsonb, error, at)
//   tandem.meta(key, value)   -- schema version, this node's id
// and one row trigger per synced table. A write made with the session setting
// `tandem.origin` set (full-sync restore, periodic apply) is NOT captured: only changes
// that originate on this node are logged, so nothing ever echoes back. Rows for which the
// table's exclude_rows predicate is true are not captured.
//
// Exact batches without gaps: a cursor is a pair of transaction snapshots (PgQ's idea):
// a batch holds the changes whose transaction is visible in the window snapshot but not
// in the previous one, in id order, so a transaction that commits late is never skipped.
// A large window is served in pages (last_id). The receiver stores the cursor in the same
// transaction that applies the batch: a restart neither loses nor repeats a change.
//
// Row encoding: Change::row / Change::pk hold to_jsonb's encoding of each column, except
// numeric and json/jsonb columns, which travel as their text form (a JSON number would
// pass through a C++ double and lose digits or trailing zeros); apply reads both back.
// Generated columns are left out (the receiver recomputes them).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "config/config.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

struct ChangeCursor {
  std::string prev_snapshot;    // txid_snapshot text; "" = from the start of the log
  std::string window_snapshot;  // "" = no window open: the next fetch opens one
  std::int64_t last_id = 0;     // within the window: changes with id <= last_id are done
};

struct Change {
  std::int64_t id = 0;
  std::string schema;
  std::string table;
  char op = 'I';           // 'I', 'U', 'D'
  nlohmann::json pk;       // {"col": value, …} of the primary key
  nlohmann::json row;      // the new row (I, U); null for D
  std::string origin;      // the node where the change was made
  std::int64_t changed_at = 0;  // ms since epoch (clock_timestamp() at the change)
  std::int64_t txid = 0;        // the origin's transaction (0: not sent, by an older node),
                                // to tell whether a full sync's snapshot holds the change
};

struct ChangeBatch {
  std::vector<Change> changes;  // id order
  ChangeCursor next;            // where the receiver stands after applying this batch
  bool more = false;            // the window has more pages, or (when the window was opened
                                // by an earlier fetch) newer changes wait: fetch again now
};

nlohmann::json batch_to_json(const ChangeBatch& b);
nlohmann::json change_to_json(const Change& c);  // one element of batch_to_json's "changes"
// The inverse; errors name `field` and the key that is wrong.
Result<Change> change_from_json(const nlohmann::json& j, const std::string& field);
Result<ChangeBatch> batch_from_json(const nlohmann::json& j);

// ---- serving side (the node whose changes are read) ----------------------------------

// Creates/migrates schema tandem and the capture triggers of every table in `catalog`
// (dropping triggers of tables no longer synced). Idempotent; safe at every start.
// A table without a primary key gets no trigger (periodic sync addresses rows by key):
// it is logged and, when `warnings` is given, described there; the install goes on.
// Triggers already as this version makes them are left alone (no table lock); where
// one must change and a table is held by another transaction, it waits at most 0.5 s
// per table, then returns an error naming the tables with no trigger changed (the
// schema step, committed first, stays).
Status install_change_capture(pg::Connection& conn, const pg::Catalog& catalog,
                              const std::string& local_node,
                              std::vector<std::string>* warnings = nullptr);
// The error code of an install that gave up waiting for a table lock.
constexpr const char* kCaptureLocked = "capture_locked";
// Just schema tandem, created or migrated in the caller's transaction; locks no
// application table. For writers of tandem.* that may run before the first install.
Status ensure_change_schema(pg::Connection& conn, const std::string& local_node);

// The changes made on this node after `after`, at most `limit` of them, and records that
// `peer` has applied everything up to `after` (its acknowledgement, for conflict
// detection and pruning).
Result<ChangeBatch> fetch_changes(pg::Connection& conn, const std::string& local_node,
                                  const std::string& peer, const ChangeCursor& after,
                                  std::size_t limit);

// Deletes log rows every peer in `peers` has acknowledged. Returns how many.
Result<std::uint64_t> prune_change_log(pg::Connection& conn, const std::vector<std::string>& peers);

// Local changes not yet acknowledged by `peer` (the "pending" figure of the API).
Result<std::uint64_t> pending_changes(pg::Connection& conn, const std::string& local_node,
                                      const std::string& peer);

// Row changes made on this node since `since_ms` (Unix ms), per table ("schema.table"),
// as its change log holds them: what the application wrote, for explaining a verify
// that found the target differing from a full sync's snapshot.
Result<std::vector<std::pair<std::string, std::uint64_t>>> local_writes_since(pg::Connection& conn,
                                                                             std::int64_t since_ms);

// SQL condition: the row `alias` of table `t` (or of a copy with the same key columns,
// such as a full sync's staging table) has a key this node's change log shows written at
// or after `since_ms`. The key is built as the capture trigger builds it (key_json_expr),
// so the change log's key index serves the lookup.
std::string key_written_since_sql(const pg::Connection& conn, const pg::TableInfo& t,
                                  const std::string& alias, std::int64_t since_ms);
// SELECT of the value of key column `key_column` (cast to `key_type`), one row per key
// of `t` this node's change log shows written at or after `since_ms`.
std::string keys_written_since_sql(const pg::Connection& conn, const pg::TableInfo& t,
                                   const std::string& key_column, const std::string& key_type,
                                   std::int64_t since_ms);

// ---- receiving side -------------------------------------------------------------------

struct ApplyStats {
  std::uint64_t applied = 0;
  std::uint64_t conflicts = 0;     // recorded in tandem.conflicts (either winner)
  std::uint64_t skipped = 0;       // lost a conflict: the local version stays
  std::uint64_t quarantined = 0;   // failed to apply: kept in tandem.quarantine
  std::int64_t newest_changed_at = 0;  // of the applied changes (for lag)
};

// Applies `batch` from `peer` in one transaction with `SET LOCAL tandem.origin = peer`,
// each change under a savepoint (a change that fails is quarantined, the rest goes on;
// one that lost a lock conflict or the connection fails the batch, pg::kConflict /
// pg::kConnectionLost, to be applied by the next round),
// resolving conflicts with local changes the peer has not seen yet by `policy`
// (last_writer_wins: later changed_at wins, ties go to the greater node id;
// prefer_node:<id>: that node's version wins); a local change that loses is marked
// superseded so it is never sent. Stores batch.next as the cursor for `peer` in the same
// transaction.
Result<ApplyStats> apply_changes(pg::Connection& conn, const pg::Catalog& catalog,
                                 const ChangeBatch& batch, const std::string& peer,
                                 const std::string& local_node, const ConflictPolicy& policy);

// The cursor stored for `peer` ("" fields when none yet).
Result<ChangeCursor> load_cursor(pg::Connection& conn, const std::string& peer);

// After a full sync from `peer` whose backup read `snapshot`: the cursor becomes
// {prev = snapshot}. Runs on the connection (and inside the transaction) given.
Status set_cursor_after_full_sync(pg::Connection& conn, const std::string& peer,
                                  const std::string& snapshot);

}  // namespace tandem
