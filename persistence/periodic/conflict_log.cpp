#include "persistence/periodic/conflict_log.hpp"

namespace tandem {

Result<std::vector<ConflictRecord>> recent_conflicts(pg::Connection& conn, const std::string& peer,
                                                     std::size_t limit) {
  auto ms = [](const char* column) {
    return std::string("(extract(epoch FROM ") + column + ") * 1000)::bigint::text";
  };
  auto rows = conn.query(
      "SELECT id::text, table_schema || '.' || table_name, pk::text, winner, policy, local_origin,"
      " remote_origin, " + ms("local_changed_at") + ", " + ms("remote_changed_at") + ", " +
          ms("resolved_at") + ", local_row::text, remote_row::text"
          " FROM tandem.conflicts WHERE ($1 = '' OR remote_origin = $1)"
          " ORDER BY id DESC LIMIT $2::bigint",
      {peer, std::to_string(limit)});
  if (!rows.ok()) return rows.error();
  std::vector<ConflictRecord> out;
  for (const auto& r : *rows) {
    auto text = [&](std::size_t i) { return r[i].value_or(""); };
    auto number = [&](std::size_t i) { return r[i] ? std::stoll(*r[i]) : 0; };
    out.push_back({number(0), text(1), text(2), text(3), text(4), text(5), text(6), number(7),
                   number(8), number(9), text(10), text(11)});
  }
  return out;
}

Result<std::uint64_t> prune_conflicts(pg::Connection& conn, int days, std::uint64_t batch) {
  if (days <= 0) return std::uint64_t{0};
  auto n = conn.scalar(
      "WITH d AS (DELETE FROM tandem.conflicts WHERE id IN (SELECT id FROM tandem.conflicts"
      " WHERE resolved_at < now() - make_interval(days => $1::int) ORDER BY id LIMIT $2::bigint)"
      " RETURNING 1) SELECT count(*)::text FROM d",
      {std::to_string(days), std::to_string(batch)});
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

nlohmann::json conflict_to_json(const ConflictRecord& c) {
  return {{"id", c.id},
          {"table", c.table},
          {"key", c.key},
          {"winner", c.winner},
          {"policy", c.policy},
          {"local_origin", c.local_origin},
          {"remote_origin", c.remote_origin},
          {"local_changed_at", c.local_changed_at},
          {"remote_changed_at", c.remote_changed_at},
          {"resolved_at", c.resolved_at},
          {"local_row", c.local_row},
          {"remote_row", c.remote_row}};
}

ConflictRecord conflict_from_json(const nlohmann::json& j) {
  ConflictRecord c;
  c.id = j.value("id", std::int64_t{0});
  c.table = j.value("table", "");
  c.key = j.value("key", "");
  c.winner = j.value("winner", "");
  c.policy = j.value("policy", "");
  c.local_origin = j.value("local_origin", "");
  c.remote_origin = j.value("remote_origin", "");
  c.local_changed_at = j.value("local_changed_at", std::int64_t{0});
  c.remote_changed_at = j.value("remote_changed_at", std::int64_t{0});
  c.resolved_at = j.value("resolved_at", std::int64_t{0});
  c.local_row = j.value("local_row", "");
  c.remote_row = j.value("remote_row", "");
  return c;
}

}  // namespace tandem
