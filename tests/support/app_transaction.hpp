// An application's session on a test database: a connection with its own
// application_name and a transaction left open after `sql`, so it holds that statement's
// locks until the test commits or rolls it back. For tests of a sync beside a database
// that is in use (who holds a sync up, lock cycles).
#pragma once

#include <string>

#include "persistence/pg/connection.hpp"
#include "tests/support/pg_sandbox.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {

class AppTransaction {
 public:
  // Throws std::runtime_error naming the failure (the test then fails with it).
  AppTransaction(const PgSandbox& db, const std::string& sql, const std::string& application = "shop");

  const std::string& pid() const { return pid_; }  // its backend's process number, as text
  Status exec(const std::string& sql) { return conn_.exec(sql); }  // e.g. "COMMIT"

 private:
  pg::Connection conn_;
  std::string pid_;
};

// Starts both nodes of `n` with b's stall timeout at 5 s and b's copy of the first
// customer changed (so a pull's restore must rewrite that row), waits for b's change
// capture, and returns an application transaction on b ("shop") holding that customer:
// a pull into b then waits for it. Throws std::runtime_error when a step fails.
AppTransaction start_holding_the_first_customer(TwoNodes& n);

}  // namespace tandem::test
