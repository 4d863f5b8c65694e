// Real tandemd processes for integration tests: each TandemNode is one daemon with its
// own config, state dir, ports and log file, beside a PgSandbox. TwoNodes sets up the
// usual pair: node a with the sample app, node b with an older copy, peers of each other.
//
// Processes are started and ended only by their own PID; a node's destructor SIGKILLs
// a daemon still running.
#pragma once

#include <chrono>
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

  void start(bool wait_healthy = true);  // appends to the same log across restarts
  void stop();                           // SIGTERM, wait; false-y exit fails the test
  void kill9();                          // SIGKILL, wait
  void freeze();                         // SIGSTOP
  void thaw();                           // SIGCONT
  bool running() const { return bool(process_); }
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
  std::unique_ptr<ChildProcess> process_;
};

// Two nodes: a holds the sample app at `scale`, b an aged copy of it.
class TwoNodes {
 public:
  explicit TwoNodes(double scale = 0.05, bool start = true);
  ~TwoNodes();

  PgSandbox db_a, db_b;
  std::unique_ptr<TandemNode> a, b;

  // Per-table "rows:checksum" of the sample app's tables, for comparing databases.
  static std::string fingerprint(const PgSandbox& db);

 private:
  std::string dir_;
};

}  // namespace tandem::test
