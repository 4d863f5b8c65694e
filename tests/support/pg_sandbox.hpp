// PgSandbox: a throwaway PostgreSQL 15 cluster for one test (or one suite).
//
// It drives tools/pg-sandbox, the single implementation of starting and stopping
// clusters: the constructor runs `pg-sandbox start <fresh temp dir> --owner-pid <this
// process>`, the destructor runs `pg-sandbox stop`. If the test process dies without
// running destructors (crash, SIGKILL), the tool's watchdog removes the cluster.
// Several sandboxes may run at once (two nodes); each gets its own port and dir.
//
// The cluster listens on 127.0.0.1 only, superuser "postgres" with trust auth, and has
// an empty database "app". Works when tests run as root (the server runs as "postgres").
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tandem::test {

// Query answer: rows of text values (SQL NULL reads as "").
using Rows = std::vector<std::vector<std::string>>;
// psql variables for SQL files: {"scale", "0.1"} becomes `-v scale=0.1`.
using SqlVars = std::vector<std::pair<std::string, std::string>>;

class PgSandbox {
 public:
  struct Options {
    bool durable = false;  // keep fsync & co. on (benchmarks); off makes tests faster
  };

  // Starts the cluster. Throws std::runtime_error carrying the tool's stderr on failure.
  PgSandbox();
  explicit PgSandbox(Options options);
  ~PgSandbox();
  PgSandbox(const PgSandbox&) = delete;
  PgSandbox& operator=(const PgSandbox&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  pid_t postmaster_pid() const { return postmaster_pid_; }
  // "host=127.0.0.1 port=N dbname=<dbname> user=postgres"
  std::string conninfo(const std::string& dbname = "app") const;

  // Runs SQL over libpq (TCP); the last statement's rows, or an Error naming the SQL.
  Result<Rows> query(const std::string& sql, const std::string& dbname = "app") const;
  // Test conveniences over query(): throw std::runtime_error on any error.
  void exec(const std::string& sql) const;
  std::string scalar(const std::string& sql) const;  // first column of the first row

  // Runs a SQL file with psql (ON_ERROR_STOP on), so psql variables and \if work.
  Status run_sql_file(const std::string& path, const SqlVars& vars = {}) const;
  // Loads tools/sample-app into "app": schema, ~100K rows per unit of `scale`, and
  // when `aged`, turns it into the older copy a peer has before a full sync with
  // `age_script` (age.sql: every 10th row; age-recent.sql: changes at the new end).
  Status load_sample_app(double scale = 1.0, bool aged = false,
                         const std::string& age_script = "age.sql") const;

  // Stops the cluster and removes its dir now; later calls and the destructor do nothing.
  Status stop();

  // tools/pg-sandbox (overridable with the environment variable TANDEM_PG_SANDBOX).
  static std::string tool_path();
  // The repository root, for tools/ and test data.
  static std::string source_dir();

 private:
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string dir_;
  pid_t postmaster_pid_ = 0;
  bool running_ = false;
};

}  // namespace tandem::test
