// The conflict rule of periodic sync, pure so it can be tested without a database.
// Both nodes evaluate it on the same two versions (each sees the other's change as
// "remote"), so it must be symmetric: whichever side runs it, the same version wins.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"

namespace tandem {

// One side of a conflict: where and when the row was last changed.
struct ChangeVersion {
  std::string origin;           // node id
  std::int64_t changed_at = 0;  // ms since epoch
};

enum class ConflictWinner { local, remote };

const char* to_string(ConflictWinner w);

// last_writer_wins: the later changed_at wins; equal times go to the greater node id.
// prefer_node:<id>: the version made on <id> wins; when neither or both versions come
// from <id>, last_writer_wins decides (so the rule still picks exactly one).
ConflictWinner resolve_conflict(const ConflictPolicy& policy, const ChangeVersion& local,
                                const ChangeVersion& remote);

}  // namespace tandem
