#include "tests/support/app_transaction.hpp"

#include <stdexcept>

namespace tandem::test {
namespace {

pg::Connection open_or_throw(const PgSandbox& db, const std::string& application) {
  auto conn = pg::Connection::open(db.conninfo(), application);
  if (!conn.ok()) throw std::runtime_error("application connection: " + conn.error().describe());
  return std::move(*conn);
}

}  // namespace

AppTransaction::AppTransaction(const PgSandbox& db, const std::string& sql, const std::string& application)
    : conn_(open_or_throw(db, application)), pid_(std::to_string(PQbackendPID(conn_.raw()))) {
  if (auto s = conn_.exec("BEGIN; " + sql); !s.ok())
    throw std::runtime_error("application transaction: " + s.error().describe());
}

AppTransaction start_holding_the_first_customer(TwoNodes& n) {
  const std::string first_customer = "(SELECT min(id) FROM customers)";
  n.b->config()["full_sync"]["stall_after_s"] = 5;
  n.db_b.exec("UPDATE customers SET name = name || ' (b)' WHERE id = " + first_customer);
  n.a->start();
  n.b->start();
  // Capture first: its install must not be the one that waits for the application.
  if (!wait_until([&] { return n.b->log().find("change capture installed") != std::string::npos; },
                  std::chrono::seconds(20)))
    throw std::runtime_error("b did not install change capture: " + n.b->log());
  return AppTransaction(n.db_b, "SELECT * FROM customers WHERE id = " + first_customer + " FOR UPDATE");
}

}  // namespace tandem::test
