#include "persistence/periodic/cursor_store.hpp"

#include "persistence/periodic/feed_sql.hpp"

namespace tandem {

namespace periodic {

Status store_cursor(pg::Connection& conn, const std::string& peer, const ChangeCursor& cursor) {
  auto r = conn.query(
      "INSERT INTO tandem.cursors (peer, prev_snapshot, window_snapshot, last_id, updated_at)"
      " VALUES ($1, " + snapshot_param("$2") + ", " + snapshot_param("$3") + ", $4::bigint, now())"
      " ON CONFLICT (peer) DO UPDATE SET prev_snapshot = EXCLUDED.prev_snapshot,"
      " window_snapshot = EXCLUDED.window_snapshot, last_id = EXCLUDED.last_id, updated_at = now()",
      {peer, cursor.prev_snapshot, cursor.window_snapshot, std::to_string(cursor.last_id)});
  if (!r.ok()) return r.error();
  return ok_status();
}

}  // namespace periodic

Result<ChangeCursor> load_cursor(pg::Connection& conn, const std::string& peer) {
  auto rows = conn.query(
      "SELECT coalesce(prev_snapshot::text, ''), coalesce(window_snapshot::text, ''), last_id::text"
      " FROM tandem.cursors WHERE peer = $1",
      {peer});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return ChangeCursor{};
  const auto& r = rows->front();
  return ChangeCursor{*r[0], *r[1], std::stoll(*r[2])};
}

Status set_cursor_after_full_sync(pg::Connection& conn, const std::string& peer,
                                  const std::string& snapshot) {
  // The full sync copied everything visible in `snapshot`; the next window starts there.
  return periodic::store_cursor(conn, peer, ChangeCursor{snapshot, "", 0});
}

}  // namespace tandem
