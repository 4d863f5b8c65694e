// tandem.cursors: where this node stands in each peer's change feed (internal).
#pragma once

#include <string>

#include "persistence/periodic/change_feed.hpp"

namespace tandem::periodic {

// Upserts the cursor for `peer` on the connection's current transaction (the apply's
// own, so the batch and the cursor commit together).
Status store_cursor(pg::Connection& conn, const std::string& peer, const ChangeCursor& cursor);

}  // namespace tandem::periodic
