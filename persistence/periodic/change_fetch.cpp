// Serving side of periodic sync: fetch_changes (one page of a window, PgQ style), plus
// the acknowledgement bookkeeping that conflict detection and pruning rest on.
//
// A window is the txid snapshot taken when it opens; its changes are those whose
// transaction is visible in it and not in the previous window. A transaction still open
// when a window is taken is not visible in it, so it lands in a later window whatever its
// change-log ids: late commits are never skipped. Each fetch is one short REPEATABLE READ
// transaction; nothing is held open between pages.
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/feed_sql.hpp"

namespace tandem {
namespace {

using periodic::snapshot_param;

Result<std::vector<Change>> read_page(pg::Connection& conn, const std::string& prev,
                                      const std::string& window, std::int64_t last_id,
                                      std::size_t limit) {
  // Bounds on txid let the txid index narrow the scan: below xmin(prev) everything is
  // in prev; at or above xmax(window) nothing is in window.
  std::string sql =
      "SELECT id::text, table_schema, table_name, op::text, pk::text, row_data::text, origin, " +
      periodic::epoch_ms_expr("changed_at") +
      "::text, txid::text FROM tandem.change_log c WHERE c.id > $2::bigint AND NOT c.superseded"
      " AND c.txid < txid_snapshot_xmax($1::txid_snapshot)"
      " AND txid_visible_in_snapshot(c.txid, $1::txid_snapshot)";
  pg::Params params{window, std::to_string(last_id), std::to_string(limit)};
  if (!prev.empty()) {
    sql += " AND c.txid >= txid_snapshot_xmin($4::txid_snapshot)"
           " AND NOT txid_visible_in_snapshot(c.txid, $4::txid_snapshot)";
    params.push_back(prev);
  }
  sql += " ORDER BY c.id LIMIT $3::bigint";
  auto rows = conn.query(sql, params);
  if (!rows.ok()) return rows.error();
  std::vector<Change> out;
  out.reserve(rows->size());
  try {
    for (const auto& r : *rows) {
      Change c;
      c.id = std::stoll(*r[0]);
      c.schema = *r[1];
      c.table = *r[2];
      c.op = (*r[3])[0];
      c.pk = nlohmann::json::parse(*r[4]);
      c.row = r[5] ? nlohmann::json::parse(*r[5]) : nlohmann::json();
      c.origin = *r[6];
      c.changed_at = std::stoll(*r[7]);
      c.txid = std::stoll(*r[8]);
      out.push_back(std::move(c));
    }
  } catch (const std::exception& e) {
    return make_error("pg_error", std::string("reading tandem.change_log: ") + e.what());
  }
  return out;
}

// The peer has applied everything up to `after`. Never moves back: a cursor whose
// previous window ends before the stored one is older news (e.g. replayed) and ignored.
Status record_ack(pg::Connection& conn, const std::string& peer, const ChangeCursor& after) {
  auto r = conn.query(
      "INSERT INTO tandem.peer_acks AS a (peer, acked_snapshot, acked_window, acked_last_id, updated_at)"
      " VALUES ($1, " + snapshot_param("$2") + ", " + snapshot_param("$3") + ", $4::bigint, now())"
      " ON CONFLICT (peer) DO UPDATE SET acked_snapshot = EXCLUDED.acked_snapshot,"
      " acked_window = EXCLUDED.acked_window, acked_last_id = EXCLUDED.acked_last_id, updated_at = now()"
      " WHERE a.acked_snapshot IS NULL OR (EXCLUDED.acked_snapshot IS NOT NULL AND"
      " txid_snapshot_xmax(EXCLUDED.acked_snapshot) >= txid_snapshot_xmax(a.acked_snapshot))",
      {peer, after.prev_snapshot, after.window_snapshot, std::to_string(after.last_id)});
  if (!r.ok()) return r.error();
  return ok_status();
}

// Changes committed after `window` (so a next window would not be empty).
Result<bool> newer_than(pg::Connection& conn, const std::string& window) {
  auto v = conn.scalar(
      "SELECT EXISTS (SELECT 1 FROM tandem.change_log c WHERE NOT c.superseded"
      " AND c.txid >= txid_snapshot_xmin($1::txid_snapshot)"
      " AND NOT txid_visible_in_snapshot(c.txid, $1::txid_snapshot))::text",
      {window});
  if (!v.ok()) return v.error();
  return v->value_or("false") == "true";
}

Result<ChangeBatch> fetch_in_transaction(pg::Connection& conn, const std::string& peer,
                                         const ChangeCursor& after, std::size_t limit) {
  ChangeCursor at = after;
  if (at.window_snapshot.empty()) at.last_id = 0;
  // Open a window when none is open; when the open one turns out to be used up, close it
  // and open the next in the same call, so a round never returns an empty page for
  // nothing.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool opened = at.window_snapshot.empty();
    if (opened) {
      auto snap = conn.scalar("SELECT txid_current_snapshot()::text");
      if (!snap.ok()) return snap.error();
      at.window_snapshot = snap->value_or("");
      at.last_id = 0;
    }
    auto page = read_page(conn, at.prev_snapshot, at.window_snapshot, at.last_id, limit);
    if (!page.ok()) return page.error();
    if (page->empty() && !opened) {
      at = ChangeCursor{at.window_snapshot, "", 0};
      continue;
    }
    ChangeBatch b;
    bool full = page->size() >= limit;
    b.next = full ? ChangeCursor{at.prev_snapshot, at.window_snapshot, page->back().id}
                  : ChangeCursor{at.window_snapshot, "", 0};
    b.more = full;
    if (!full && !opened) {  // a window from an earlier call: newer changes may be waiting
      auto newer = newer_than(conn, at.window_snapshot);
      if (!newer.ok()) return newer.error();
      b.more = *newer;
    }
    b.changes = std::move(*page);
    if (auto s = record_ack(conn, peer, after); !s.ok()) return s.error();
    return b;
  }
  return make_error("internal", "fetch_changes: no window");  // unreachable: 2nd pass opens one
}

}  // namespace

Result<ChangeBatch> fetch_changes(pg::Connection& conn, const std::string& /*local_node*/,
                                  const std::string& peer, const ChangeCursor& after,
                                  std::size_t limit) {
  if (limit == 0) limit = 1;
  // The log holds only changes made on this node (writes under tandem.origin are not
  // captured), so no origin filter is needed; local_node stays in the API for symmetry.
  if (auto s = conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ"); !s.ok()) return s.error();
  auto b = fetch_in_transaction(conn, peer, after, limit);
  if (!b.ok()) {
    (void)conn.exec("ROLLBACK");
    return b.error();
  }
  if (auto s = conn.exec("COMMIT"); !s.ok()) return s.error();
  return b;
}

Result<std::uint64_t> pending_changes(pg::Connection& conn, const std::string& /*local_node*/,
                                      const std::string& peer) {
  auto n = conn.scalar(
      "SELECT count(*)::text FROM tandem.change_log c LEFT JOIN tandem.peer_acks a ON a.peer = $1"
      " WHERE NOT c.superseded AND NOT " + periodic::acked_condition("c", "a"),
      {peer});
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

Result<std::vector<std::pair<std::string, std::uint64_t>>> local_writes_since(pg::Connection& conn,
                                                                             std::int64_t since_ms) {
  // Only local writes are ever logged (see fetch_changes), so no origin filter.
  auto rows = conn.query(
      "SELECT table_schema || '.' || table_name, count(*)::text FROM tandem.change_log "
      "WHERE changed_at >= to_timestamp($1::bigint / 1000.0) GROUP BY 1 ORDER BY 1",
      {std::to_string(since_ms)});
  if (!rows.ok()) return rows.error();
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& r : *rows) out.emplace_back(r[0].value_or(""), std::stoull(r[1].value_or("0")));
  return out;
}

namespace {
std::string written_since_where(const pg::Connection& conn, const pg::TableInfo& t, std::int64_t since_ms) {
  return "c.table_schema = " + conn.quote_literal(t.schema) + " AND c.table_name = " + conn.quote_literal(t.name) +
         " AND c.changed_at >= to_timestamp(" + std::to_string(since_ms) + " / 1000.0)";
}
}  // namespace

std::string key_written_since_sql(const pg::Connection& conn, const pg::TableInfo& t,
                                  const std::string& alias, std::int64_t since_ms) {
  return "EXISTS (SELECT 1 FROM tandem.change_log c WHERE " + written_since_where(conn, t, since_ms) +
         " AND c.pk = " + periodic::key_json_expr(conn, t, alias) + ")";
}

std::string keys_written_since_sql(const pg::Connection& conn, const pg::TableInfo& t,
                                   const std::string& key_column, const std::string& key_type,
                                   std::int64_t since_ms) {
  // The key travels in the change log as to_jsonb renders it (or as text): ->> gives
  // its text form, which the type reads back.
  return "SELECT (c.pk ->> " + conn.quote_literal(key_column) + ")::" + key_type +
         " FROM (SELECT DISTINCT c.pk FROM tandem.change_log c WHERE " + written_since_where(conn, t, since_ms) +
         ") c";
}

Result<std::uint64_t> prune_change_log(pg::Connection& conn, const std::vector<std::string>& peers) {
  // No peers: keep everything (a peer configured later still needs the log).
  if (peers.empty()) return std::uint64_t{0};
  std::string where;
  pg::Params params;
  for (const auto& p : peers) {
    params.push_back(p);
    if (!where.empty()) where += " AND ";
    where += "EXISTS (SELECT 1 FROM tandem.peer_acks a WHERE a.peer = $" +
             std::to_string(params.size()) + " AND " + periodic::acked_condition("c", "a") + ")";
  }
  auto n = conn.scalar("WITH d AS (DELETE FROM tandem.change_log c WHERE " + where +
                           " RETURNING 1) SELECT count(*)::text FROM d",
                       params);
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

}  // namespace tandem
