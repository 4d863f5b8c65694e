// Periodic sync's quarantine (tandem.quarantine): a peer's change that failed to apply
// here (a constraint of this node's schema, a table not synced here) is kept instead of
// stopping the feed. Admins list these changes and then retry or discard each one.
//
// A retry writes the change as this node's own write (captured like an application's,
// so it also reaches the peers and every node ends with the same row), and only while
// the row is still as it was when the change failed: a row changed since (by the
// application or by a later change) is newer than the quarantined change, which then
// could only bring back an older version; that retry is refused and says so.
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
// quarantine when it applies; when it fails again its error, retries and retried_at are
// updated and the error (kQuarantineStillFails) names the reason. kQuarantineUnknown when
// there is no such change, kQuarantineRowChanged when the row is no longer as it was.
// The change as it was applied on success.
Result<QuarantinedChange> retry_quarantined(pg::Connection& conn, const pg::Catalog& catalog,
                                            std::int64_t id);

// Deletes quarantined change `id`; the change as it was (for the log). kQuarantineUnknown
// when there is no such change.
Result<QuarantinedChange> discard_quarantined(pg::Connection& conn, std::int64_t id);

}  // namespace tandem
