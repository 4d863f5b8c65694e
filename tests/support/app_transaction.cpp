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

}  // namespace tandem::test
