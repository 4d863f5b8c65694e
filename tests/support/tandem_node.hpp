// Real tandemd processes for integration tests: each TandemNode is one daemon with its
// own config, state dir, ports and log file, beside a PgSandbox. TwoNodes sets up the
// usual pair: node a with the sample app, node b with an older copy, peers of each other.
//
// Processes are started and ended only by their own PID; a node's destructor SIGKILLs
// a daemon still running.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/pg_sandbox.hpp"
#include "tests/support/process.hpp"

namespace tandem::test {

std::string tandemd_path();  // $TANDEMD, or build/tandemd

class TandemNode {
 public:
  TandemNode(std::string id, std::string name, std::string workdir, const PgSandbox& db);
  ~TandemNode();

  // The config as it will be written at start(); edit before starting.
  nlohmann::json& config() { return config_; }
  void add_peer(const TandemNode& other);
  // Reaches peer `peer_id`'s actor port at 127.0.0.1:`port` instead (a TcpProxy); edit
  // before start.
  void set_peer_actor_port(const std::string& peer_id, int port);
  // Extra environment for the daemon ("NAME=VALUE", e.g. TANDEM_FAILPOINTS=...), used
  // at the next start().
  EnvOverrides& env() { return env_; }

  void start(bool wait_healthy = true);  // appends to the same log across restarts
  void stop();                           // SIGTERM, wait; false-y exit fails the test
  void kill9();                          // SIGKILL, wait
  void freeze();                         // SIGSTOP
  void thaw();                           // SIGCONT
  bool running() const { return bool(process_); }
  // The daemon's process id (the shell execs tandemd, so it is tandemd's), or -1 when
  // not running; for reading /proc/<pid>/status in benchmarks.
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool healthy() const;

  HttpAnswer get(const std::string& path) const;
  HttpAnswer post(const std::string& path, const std::string& body = "{}") const;
  // POST /api/admin/sync/full-sync; returns the answer.
  HttpAnswer start_full_sync(const std::string& action, const std::string& peer,
                             const nlohmann::json& options = nlohmann::json::object()) const;
  // Polls backup-progress until `done(progress)` or the timeout; returns the last answer.
  nlohmann::json wait_progress(const std::string& session_id,
                               const std::function<bool(const nlohmann::json&)>& done,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Waits for a terminal state (succeeded, failed, cancelled).
  nlohmann::json wait_finished(const std::string& session_id,
                               std::chrono::milliseconds timeout = std::chrono::seconds(90)) const;

  // Waits until the session runs `phase` (detailedState "running"); the last answer.
  nlohmann::json wait_phase(const std::string& session_id, const std::string& phase,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // GET /api/admin/sync/sessions/{id}: the session with its phases and checkpoints.
  nlohmann::json session_detail(const std::string& session_id) const;
  // The journaled checkpoint of `phase` (0 when unknown).
  std::uint64_t checkpoint(const std::string& session_id, const std::string& phase) const;
  // Starts a pull from `source` (with `options`) and waits until this node runs `phase`.
  // The session id, or "" when the pull did not start or did not reach `phase` in 30 s.
  std::string pull_into_phase(const std::string& source, const std::string& phase,
                              const nlohmann::json& options = nlohmann::json::object()) const;
  // Starts a pull from `source` capped at 0.3 MB/s (plus `options`) and waits until this
  // node has stored `chunks` transfer chunks (its checkpoint), so a test can strike in
  // the middle of a transfer. The session id, or "" when the pull did not start or the
  // checkpoint was not reached within 20 s.
  std::string pull_into_transfer(const std::string& source, std::uint64_t chunks,
                                 nlohmann::json options = nlohmann::json::object()) const;
  // Where this node keeps the session's chunk files (gone once the session ended).
  std::string spool_dir(const std::string& session_id) const;

  std::string log() const;
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  int http_port() const { return http_port_; }
  int actor_port() const { return actor_port_; }
  const std::string& token() const { return token_; }
  const std::string& state_dir() const { return state_dir_; }

 private:
  std::string id_, name_, dir_, state_dir_, log_path_, token_;
  int http_port_ = 0, actor_port_ = 0;
  nlohmann::json config_;
  EnvOverrides env_;
  std::unique_ptr<ChildProcess> process_;
};

// The sessionId of a 202 answer to start_full_sync, or "" (so a test can ASSERT on it).
std::string session_id_of(const HttpAnswer& started);

// Identity of each stored chunk file (not a .tmp being written) in a spool directory:
// name -> "inode:mtime_ns". A chunk written again (tmp + rename) gets a new identity, so
// comparing two snapshots shows which chunks were fetched twice. `below`: only chunks
// with a smaller index (those a transfer checkpoint covers).
std::map<std::string, std::string> chunk_files(const std::string& spool_dir,
                                               std::uint64_t below = UINT64_MAX);

// How many chunks of `before` are missing or different in `after` (written again).
int rewritten_chunks(const std::map<std::string, std::string>& before,
                     const std::map<std::string, std::string>& after);

// Two nodes: a holds the sample app at `scale`, b an aged copy of it. `db_options`
// is passed to both clusters (durable = true for benchmarks).
class TwoNodes {
 public:
  explicit TwoNodes(double scale = 0.05, bool start = true, PgSandbox::Options db_options = {},
                    const std::string& age_script = "age.sql");
  ~TwoNodes();

  PgSandbox db_a, db_b;
  std::unique_ptr<TandemNode> a, b;

  // Per-table "rows:checksum" of the sample app's tables, for comparing databases.
  static std::string fingerprint(const PgSandbox& db);

 private:
  std::string dir_;
};

}  // namespace tandem::test
