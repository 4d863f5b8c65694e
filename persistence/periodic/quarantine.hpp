// Periodic sync's quarantine (tandem.quarantine): a peer's change that failed to apply
// here (a constraint of this node's schema, a table not synced here) is kept instead of
// stopping the feed. Admins list these changes and then retry or discard each one.
//
// A retry writes the change as this node's own write (captured like an application's,
// so it also reaches the peers and every node ends with the same row), and only while
// the row is still as it was when the change failed: a row changed since (by the
// application or by a later change) is newer than the quarantined change, which then
// could only bring back an older version; that retry is refused and says so. Of several
// quarantined changes of one row from one peer only the newest can be retried (each
// carries the whole row, so it holds the outcome of the older ones); when it applies,
// the older ones are dropped with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/quarantine_record.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// Keeps `change` from `peer` with why it failed and the row as it is here now
// (`local_row`: JSON text, "null" when absent, nullopt when it could not be read).
// Runs in the caller's (apply) transaction.
Status quarantine_change(pg::Connection& conn, const std::string& peer, const Change& change,
                         const std::string& error, const std::optional<std::string>& local_row);

// At most `limit` quarantined changes, oldest first; only `peer`'s when it is not empty.
Result<QuarantineList> list_quarantined(pg::Connection& conn, const std::string& peer,
                                        std::size_t limit);

// Applies quarantined change `id` again, in its own transaction: deleted from the
// quarantine when it applies, with the older quarantined changes of its row; when it
// fails again its error, retries and retried_at are updated and the error
// (kQuarantineStillFails) names the reason. kQuarantineUnknown when there is no such
// change, kQuarantineRowChanged when the row is no longer as it was,
// kQuarantineSuperseded when a newer change of the row is quarantined too.
Result<QuarantineAction> retry_quarantined(pg::Connection& conn, const pg::Catalog& catalog,
                                           std::int64_t id);

// Retries the newest quarantined change of each row (only `peer`'s when it is not
// empty), oldest first, at most `limit` rows, each in its own transaction as
// retry_quarantined does. Stops at the first error that is not the change's own (the
// connection, a lock held past 5 s).
Result<QuarantineSweep> retry_all_quarantined(pg::Connection& conn, const pg::Catalog& catalog,
                                              const std::string& peer, std::size_t limit);

// A full sync from `peer` whose backup read `snapshot` (the change log's txid snapshot)
// is committing in the caller's transaction: the quarantined changes from `peer` that
// snapshot holds are dropped, since the sync wrote their rows as the snapshot has them,
// which is that change or a later state. Deletions only in `mirror` mode (a merge keeps
// rows the source no longer has). Changes from nodes that did not send their
// transaction are kept. How many were dropped.
Result<std::uint64_t> drop_quarantined_in_snapshot(pg::Connection& conn, const std::string& peer,
                                                   const std::string& snapshot, bool mirror);

// A change of a row from `peer` applied: the quarantined changes of that row from `peer`
// older than it (smaller change id on the origin) are dropped, since the row now holds
// their successor (a retry of one of them could only bring back an older version, even
// where the newer change left the row as it was before). `applied`: the applied changes,
// in the caller's (apply) transaction. How many were dropped.
Result<std::uint64_t> drop_quarantined_before(pg::Connection& conn, const std::string& peer,
                                              const std::vector<const Change*>& applied);

// Deletes quarantined change `id`; the change as it was (for the log). kQuarantineUnknown
// when there is no such change.
Result<QuarantineAction> discard_quarantined(pg::Connection& conn, std::int64_t id);

}  // namespace tandem
