// The record of periodic sync's conflicts (tandem.conflicts), read back for admins: which
// row, the two versions, which one won and by what rule. Written by apply_changes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/periodic/conflict_record.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// The newest conflicts first, at most `limit`; only those with changes from `peer` when
// it is not empty.
Result<std::vector<ConflictRecord>> recent_conflicts(pg::Connection& conn, const std::string& peer,
                                                     std::size_t limit);

// Deletes the records resolved more than `days` days ago, the oldest first and at most
// `batch` of them (a backlog goes over several calls, each a short transaction); the
// number deleted. `days` 0 keeps everything (and deletes nothing).
Result<std::uint64_t> prune_conflicts(pg::Connection& conn, int days, std::uint64_t batch = 10000);

}  // namespace tandem
