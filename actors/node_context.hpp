// What every actor of a node needs to know, fixed at start: the config and the paths
// derived from it. Shared read-only (std::shared_ptr<const NodeContext>). CAF-free.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "persistence/pg/catalog.hpp"
#include "statemachine/policy.hpp"

namespace tandem {

struct NodeContext {
  Config config;
  std::string journal_path;  // <state_dir>/journal.sqlite
  std::string spool_root;    // <state_dir>/spool
  Policy policy;             // retry/back-off of full-sync sessions

  // Transfer tuning (fixed for now; the performance work may expose them).
  int transfer_window = 4;              // chunk requests in flight
  int chunk_request_timeout_s = 30;     // one chunk round trip
  int peer_request_timeout_s = 5;       // small peer requests
  // How often the target asks how the backup goes: the wait after the backup ends is
  // half of it on average, so short (a poll is one small message or HTTP request).
  int backup_poll_interval_ms = 100;
  int max_chunk_refetches = 3;          // corrupt arrivals of one chunk before failing

  const std::string& node_id() const { return config.node.id; }
  std::string spool_dir(const std::string& session_id) const {
    return spool_root + "/" + session_id;
  }
  pg::TableSelection selection() const {
    return pg::TableSelection{config.sync.tables, config.sync.exclude_tables,
                              config.sync.exclude_rows};
  }
};

using NodeContextPtr = std::shared_ptr<const NodeContext>;

NodeContextPtr make_node_context(Config config);

}  // namespace tandem
