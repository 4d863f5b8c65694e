#include "persistence/dataplane/session_settings.hpp"

namespace tandem {

Status apply_data_plane_settings(pg::Connection& conn) {
  return conn.exec(
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
      "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET client_encoding = 'UTF8';"
      "SET statement_timeout = 0; SET lock_timeout = 0;"
      "SET idle_in_transaction_session_timeout = 0");
}

Result<pg::Connection> open_data_plane_connection(const std::string& conninfo,
                                                  const std::string& purpose) {
  auto conn = pg::Connection::open(conninfo, kApplicationPrefix + purpose);
  if (!conn.ok()) return conn.error();
  if (auto s = apply_data_plane_settings(*conn); !s.ok()) return s.error();
  return conn;
}

}  // namespace tandem
