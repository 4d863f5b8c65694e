// One quarantined change of periodic sync (a row of tandem.quarantine), as admins see it:
// a peer's change that failed to apply here, kept so that nothing is lost. Plain data,
// so the node's API (actors/node_api.hpp) can carry it without libpq.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem {

struct QuarantinedChange {
  std::int64_t id = 0;
  std::string peer;               // the node it was fetched from
  std::string table;              // "schema.table"
  std::string op;                 // "I", "U" or "D"
  std::string key;                // the row's key as JSON text ({"id": 5})
  std::string row;                // the change's row as JSON text; empty for a deletion
  std::string origin;             // the node where the change was made
  std::int64_t changed_at = 0;    // ms since epoch, on the origin
  std::string error;              // why it failed (the last attempt's error)
  std::int64_t quarantined_at = 0;  // ms since epoch
  std::int64_t retries = 0;         // failed retries since
  std::int64_t retried_at = 0;      // ms since epoch of the last failed retry; 0 never
};

struct QuarantineList {
  std::uint64_t total = 0;                 // held for the filter, however many are listed
  std::vector<QuarantinedChange> changes;  // oldest first (the order they arrived in)
};

// Error codes of a retry or discard besides PostgreSQL's (quarantine.hpp).
constexpr const char* kQuarantineUnknown = "quarantine_unknown";  // no such id
constexpr const char* kQuarantineRowChanged = "quarantine_row_changed";
constexpr const char* kQuarantineStillFails = "quarantine_still_fails";
constexpr const char* kQuarantineSuperseded = "quarantine_superseded";  // a newer one of the row waits

// What a retry or discard did: the change, and for a retry that applied, the older
// quarantined changes of the same row it dropped (its row holds their rows' successor).
struct QuarantineAction {
  QuarantinedChange change;
  std::vector<std::int64_t> superseded;
};

// What a retry of every quarantined change did (at most a request's worth of rows).
struct QuarantineSweep {
  std::uint64_t tried = 0;         // rows tried: the newest change of each
  std::uint64_t applied = 0;
  std::uint64_t superseded = 0;    // older changes of applied rows, dropped
  std::uint64_t still_failing = 0;
  std::uint64_t row_changed = 0;   // refused: the row changed here since
  std::uint64_t remaining = 0;     // held afterwards, for the filter
};

// Between the actor that reads them and the node's API (snake_case keys).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuarantinedChange, id, peer, table, op, key, row,
                                                origin, changed_at, error, quarantined_at, retries,
                                                retried_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuarantineList, total, changes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuarantineAction, change, superseded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuarantineSweep, tried, applied, superseded,
                                                still_failing, row_changed, remaining)

}  // namespace tandem
