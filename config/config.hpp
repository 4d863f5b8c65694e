// The daemon's configuration: one JSON file, `tandemd --config tandem.json` (SPEC.md,
// "Configuration"). Every key SPEC.md names is understood exactly as written; keys added
// here have defaults; unknown keys are refused. Immutable once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/address.hpp"

namespace tandem {

struct NodeConfig {
  std::string id;    // [A-Za-z0-9_.-], 1..64 chars; the same id every peer lists
  std::string name;  // shown in the UI: "Server A"
};

struct PeerConfig {
  std::string id;
  std::string name;
  HostPort actor;  // the peer's actor port (node-to-node messages)
  HostPort http;   // the peer's HTTP port (fallback transport, panel links)
};

struct ConflictPolicy {
  enum class Kind { last_writer_wins, prefer_node };
  Kind kind = Kind::last_writer_wins;
  std::string node;  // for prefer_node
  std::string text() const;
};

struct SyncConfig {
  std::vector<std::string> tables{"public.*"};     // schema.table patterns with '*'
  std::vector<std::string> exclude_tables;
  std::map<std::string, std::string> exclude_rows;  // table -> SQL predicate (true: skip)
  int periodic_interval_s = 30;
  ConflictPolicy conflict_policy;
  int conflict_retention_days = 90;  // older tandem.conflicts records are deleted; 0: kept

};

struct FullSyncConfig {
  std::uint64_t chunk_bytes = 4u << 20;
  bool compression = true;
  bool verify = true;
  double bandwidth_limit_mbps = 0;  // 0: no cap
  int stall_after_s = 120;          // no progress this long: the session is shown stalled
  int peer_retry_limit = 10;        // reconnect attempts before a session fails
  // Merge mode: the target's range digest first, so only key ranges that differ move
  // (dataplane/range_digest.hpp). Off: every row moves, no digest.
  bool range_diff = true;
};

struct SmtpConfig {
  std::string host;
  std::uint16_t port = 25;
  std::string from;
  std::vector<std::string> to;
};

struct NotifyConfig {
  std::optional<std::string> webhook;
  std::optional<SmtpConfig> smtp;
};

struct Config {
  NodeConfig node;
  std::string database_conninfo;
  std::string state_dir;
  HostPort http_listen;
  std::string admin_token;
  HostPort actor_listen;
  std::string actor_secret;
  std::vector<PeerConfig> peers;
  SyncConfig sync;
  FullSyncConfig full_sync;
  NotifyConfig notify;
  std::string log_level = "info";
  // Accepted but worth the admin's attention (a short token): logged at start and
  // printed by --check-config.
  std::vector<std::string> warnings;

  const PeerConfig* find_peer(const std::string& id) const;
};

// Parses and validates; on failure the Error's field is the first bad key's path
// ("peers[1].actor") and its message lists every problem found.
Result<Config> parse_config(const std::string& json_text);
Result<Config> load_config_file(const std::string& path);

}  // namespace tandem
