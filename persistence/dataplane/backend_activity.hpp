// What this node's full-sync connections are doing in the database right now, from
// pg_stat_activity: working (a statement executing), blocked (waiting for a lock another
// transaction holds) or neither (idle between statements, or fed by us through COPY).
//
// Why: progress moves per chunk and per table, so a single long statement (the merge of
// a table of tens of millions of rows, a checksum of it) looked exactly like a job stuck
// behind an application's open transaction. The two call for opposite actions: wait, or
// end that transaction (never "clear stuck", which would throw the work away).
//
// A node takes part in at most one full sync at a time, so its data-plane connections
// (application_name "tandemd <purpose>", periodic sync's excepted) in this database are
// that sync's. Periodic sync's applier for a peer has a purpose of its own
// ("periodic apply <peer>"), watched by that purpose alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// One of our backends as pg_stat_activity shows it, with the first backend blocking it.
struct BackendSeen {
  int pid = 0;
  std::string purpose;          // application_name without "tandemd ": "restore"
  std::string state;            // "active", "idle in transaction", …
  std::string wait_event_type;  // "" when running on CPU
  std::string wait_event;
  std::int64_t statement_s = 0; // since the current (or last) statement began
  // When waiting for a lock: who holds it (0 when unknown). Another role's backend shows
  // no state or query without pg_read_all_stats; those stay empty.
  int blocker_pid = 0;
  std::string blocker_application;
  std::string blocker_state;
  std::int64_t blocker_transaction_s = 0;
  std::string blocker_query;    // its current or last statement, shortened
};

struct BackendActivity {
  enum class Kind { idle, working, blocked };
  Kind kind = Kind::idle;
  // working: "restore: a statement running for 95 s"; blocked: "restore waits for a lock
  // held by process 4242 (application "psql", idle in transaction for 312 s; last
  // statement: UPDATE …)".
  std::string detail;
};

// "idle", "working", "blocked": how worker reports and the API name them.
const char* to_string(BackendActivity::Kind k);

// Blocked wins over working (a loader still loading does not make a merge that waits
// for an application's lock any less stuck); working needs an active backend that waits
// for nothing but the server itself (CPU, I/O, its parallel workers).
BackendActivity classify(const std::vector<BackendSeen>& backends);

// Reads pg_stat_activity for this database's data-plane backends (not `conn`'s own):
// with `purpose` empty the full sync's (every purpose but periodic sync's), else only
// the connections of that purpose.
Result<std::vector<BackendSeen>> data_plane_backends(pg::Connection& conn, const std::string& purpose = {});

}  // namespace tandem
