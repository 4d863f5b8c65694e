// One recorded conflict of periodic sync (a row of tandem.conflicts), as admins see it.
// Plain data, so the node's API (actors/node_api.hpp) can carry it without libpq.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace tandem {

struct ConflictRecord {
  std::int64_t id = 0;
  std::string table;              // "schema.table"
  std::string key;                // the row's key as JSON text ({"id": 5})
  std::string winner;             // "local" (this node's version stayed) or "remote"
  std::string policy;             // the rule that decided ("last_writer_wins", "prefer_node:a")
  std::string local_origin;       // node that made this node's version
  std::string remote_origin;      // node that made the peer's version
  std::int64_t local_changed_at = 0;   // ms since epoch
  std::int64_t remote_changed_at = 0;  // ms since epoch
  std::int64_t resolved_at = 0;        // ms since epoch
  std::string local_row;   // JSON text; empty when that version was a deletion
  std::string remote_row;  // JSON text; empty when that version was a deletion
};

// Between the actor that reads them and the node's API (snake_case keys).
nlohmann::json conflict_to_json(const ConflictRecord& c);
ConflictRecord conflict_from_json(const nlohmann::json& j);

}  // namespace tandem
