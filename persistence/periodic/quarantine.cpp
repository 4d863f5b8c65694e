#include "persistence/periodic/quarantine.hpp"

#include <algorithm>

#include "persistence/periodic/apply_statements.hpp"
#include "persistence/periodic/feed_sql.hpp"

namespace tandem {
namespace {

// The columns read_row() takes apart, in its order.
std::string columns() {
  using periodic::epoch_ms_expr;
  return "id::text, peer, (change->>'schema') || '.' || (change->>'table'), change->>'op',"
         " (change->'pk')::text, CASE WHEN jsonb_typeof(change->'row') = 'object'"
         " THEN (change->'row')::text END, change->>'origin', change->>'changed_at', error, " +
         epoch_ms_expr("at") + "::text, retries::text, " + epoch_ms_expr("retried_at") +
         "::text, change::text, local_row::text";
}

// The quarantined changes of the same row from the same peer as change $1.
const char* kSameRow =
    "FROM tandem.quarantine q, tandem.quarantine o WHERE o.id = $1::bigint AND q.peer = o.peer"
    " AND q.change->>'schema' = o.change->>'schema' AND q.change->>'table' = o.change->>'table'"
    " AND q.change->'pk' = o.change->'pk'";

struct Stored {
  QuarantinedChange view;
  std::vector<std::int64_t> superseded;  // older changes of the row, dropped when it applied
  std::string change_json;
  std::optional<std::string> local_row;  // JSON text, "null" when the row was absent
};

Stored read_row(const pg::Row& r) {
  auto text = [&](std::size_t i) { return r[i].value_or(""); };
  auto number = [&](std::size_t i) -> std::int64_t { return r[i] ? std::stoll(*r[i]) : 0; };
  Stored s;
  s.view = {number(0), text(1), text(2), text(3), text(4), text(5), text(6),
            number(7), text(8), number(9), number(10), number(11)};
  s.change_json = text(12);
  s.local_row = r[13];
  return s;
}

// How many are held, for `peer` ("" for every peer).
Result<std::uint64_t> count_quarantined(pg::Connection& conn, const std::string& peer) {
  auto n = conn.scalar("SELECT count(*)::text FROM tandem.quarantine WHERE ($1 = '' OR peer = $1)", {peer});
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

Error still_fails(const QuarantinedChange& c, std::string why) {
  if (why.rfind("ERROR:  ", 0) == 0) why.erase(0, 8);
  return make_error(kQuarantineStillFails, "change " + std::to_string(c.id) + " on " + c.table +
                                               " " + c.key + " still fails: " + why);
}

// The retry's transaction: Ok(change) when it applied and left the quarantine; an error
// of kError's kind with PostgreSQL's message when the change itself failed.
// The statement runs prepared, as in apply_changes, so its error reads the same.
Result<Stored> apply_again(pg::Connection& conn, const pg::Catalog& catalog, std::int64_t id,
                           periodic::PreparedSet& prepared) {
  // A row the application holds locked must not hold up the node's change server (it
  // serves the peers' fetches) for long: wait for it 5 s at most.
  if (auto s = conn.exec("SET LOCAL lock_timeout = '5s'"); !s.ok()) return s.error();
  auto rows = conn.query("SELECT " + columns() + " FROM tandem.quarantine WHERE id = $1::bigint FOR UPDATE",
                         {std::to_string(id)});
  if (!rows.ok()) return rows.error();
  if (rows->empty())
    return make_error(kQuarantineUnknown, "no quarantined change " + std::to_string(id), "id");
  Stored s = read_row(rows->front());
  const std::string sid = std::to_string(id);
  auto newer = conn.scalar(std::string("SELECT min(q.id)::text ") + kSameRow + " AND q.id > o.id", {sid});
  if (!newer.ok()) return newer.error();
  if (*newer)
    return make_error(kQuarantineSuperseded,
                      "change " + **newer + ", a newer change of the same row from " + s.view.peer +
                          ", is quarantined too: retry that one (each change carries the whole row, "
                          "and this older one is dropped when it applies)",
                      "id");
  auto parsed = change_from_json(nlohmann::json::parse(s.change_json, nullptr, false), "change");
  if (!parsed.ok()) return make_error(pg::kError, parsed.error().message);
  const Change& c = *parsed;
  const pg::TableInfo* t = catalog.find(c.schema, c.table);
  if (!t) return make_error(pg::kError, "table " + s.view.table + " is not synced on this node");
  if (t->primary_key.empty()) return make_error(pg::kError, "table " + t->qualified() + " has no primary key here");
  if (s.local_row) {
    auto now = conn.query(periodic::current_row_sql(conn, *t) + " FOR UPDATE", {c.pk.dump()});
    if (!now.ok()) return now.error();
    pg::Value current = now->empty() ? pg::Value{"null"} : now->front()[0];
    auto same = conn.scalar("SELECT ($1::jsonb = $2::jsonb)::text", {current, *s.local_row});
    if (!same.ok()) return same.error();
    if (same->value_or("") != "true")
      return make_error(kQuarantineRowChanged,
                        "the row " + s.view.table + " " + s.view.key +
                            " has changed on this node since change " + std::to_string(id) +
                            " was quarantined: that change is older than the row and applying it "
                            "would bring back an older version; discard it",
                        "id");
  }
  const bool deletion = c.op == 'D';
  auto name = prepared.prepare(deletion ? periodic::delete_sql(conn, *t) : periodic::upsert_sql(conn, *t));
  if (!name.ok()) return name.error();
  if (auto applied = prepared.run(*name, deletion ? c.pk.dump() : c.row.dump()); !applied.ok())
    return applied.error();
  auto gone = conn.query(std::string("DELETE FROM tandem.quarantine d USING (SELECT q.id ") + kSameRow +
                             ") r WHERE d.id = r.id RETURNING d.id::text",
                         {sid});
  if (!gone.ok()) return gone.error();
  for (const auto& r : *gone)
    if (r[0] && *r[0] != sid) s.superseded.push_back(std::stoll(*r[0]));
  std::sort(s.superseded.begin(), s.superseded.end());
  return s;
}

}  // namespace

Status quarantine_change(pg::Connection& conn, const std::string& peer, const Change& change,
                         const std::string& error, const std::optional<std::string>& local_row) {
  auto q = conn.query(
      "INSERT INTO tandem.quarantine (peer, change, error, local_row) VALUES ($1, $2::jsonb, $3, $4::jsonb)",
      {peer, change_to_json(change).dump(), error, local_row});
  if (!q.ok()) return q.error();
  return ok_status();
}

Result<QuarantineList> list_quarantined(pg::Connection& conn, const std::string& peer,
                                        std::size_t limit) {
  auto rows = conn.query("SELECT " + columns() +
                             " FROM tandem.quarantine WHERE ($1 = '' OR peer = $1) ORDER BY id LIMIT $2::bigint",
                         {peer, std::to_string(limit)});
  if (!rows.ok()) return rows.error();
  auto total = count_quarantined(conn, peer);
  if (!total.ok()) return total.error();
  QuarantineList out;
  out.total = *total;
  for (const auto& r : *rows) out.changes.push_back(read_row(r).view);
  return out;
}

Result<QuarantineAction> retry_quarantined(pg::Connection& conn, const pg::Catalog& catalog,
                                           std::int64_t id) {
  if (auto s = conn.exec("BEGIN"); !s.ok()) return s.error();
  periodic::PreparedSet prepared(conn);
  auto done = apply_again(conn, catalog, id, prepared);
  if (done.ok()) {
    auto committed = conn.exec("COMMIT");
    prepared.release();
    if (!committed.ok()) return committed.error();
    return QuarantineAction{done->view, done->superseded};
  }
  (void)conn.exec("ROLLBACK");
  prepared.release();
  // Only the change's own failure is kept with it; a lost lock or connection says
  // nothing about the change.
  if (done.error().code == pg::kConflict)
    return make_error(pg::kConflict, "change " + std::to_string(id) + " was not retried: " + done.error().message +
                                         " (another transaction holds its row for more than 5 s; try again once it ends)");
  if (done.error().code != pg::kError) return done.error();
  const std::string why = done.error().message;
  auto rows = conn.query("UPDATE tandem.quarantine SET error = $2, retries = retries + 1, retried_at = now()"
                         " WHERE id = $1::bigint RETURNING " + columns(),
                         {std::to_string(id), why});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return make_error(kQuarantineUnknown, "no quarantined change " + std::to_string(id), "id");
  return still_fails(read_row(rows->front()).view, why);
}

Result<QuarantineSweep> retry_all_quarantined(pg::Connection& conn, const pg::Catalog& catalog,
                                              const std::string& peer, std::size_t limit) {
  // The newest change of each row, rows in the order their first change arrived.
  auto ids = conn.query(
      "SELECT max(id)::text FROM tandem.quarantine WHERE ($1 = '' OR peer = $1)"
      " GROUP BY peer, change->>'schema', change->>'table', change->'pk' ORDER BY min(id) LIMIT $2::bigint",
      {peer, std::to_string(limit)});
  if (!ids.ok()) return ids.error();
  QuarantineSweep out;
  for (const auto& r : *ids) {
    ++out.tried;
    auto done = retry_quarantined(conn, catalog, std::stoll(r[0].value_or("0")));
    if (done.ok()) {
      ++out.applied;
      out.superseded += done->superseded.size();
    } else if (done.error().code == kQuarantineStillFails) {
      ++out.still_failing;
    } else if (done.error().code == kQuarantineRowChanged) {
      ++out.row_changed;
    } else if (done.error().code != kQuarantineUnknown && done.error().code != kQuarantineSuperseded) {
      return done.error();  // the connection, or a row locked too long: not the change's fault
    }  // else gone, or overtaken by a newer change of its row, meanwhile: nothing to do
  }
  auto left = count_quarantined(conn, peer);
  if (!left.ok()) return left.error();
  out.remaining = *left;
  return out;
}

Result<std::uint64_t> drop_quarantined_in_snapshot(pg::Connection& conn, const std::string& peer,
                                                   const std::string& snapshot, bool mirror) {
  auto n = conn.scalar(
      "WITH d AS (DELETE FROM tandem.quarantine WHERE peer = $1 AND change ? 'txid'"
      " AND txid_visible_in_snapshot((change->>'txid')::bigint, $2::txid_snapshot)"
      " AND ($3::boolean OR change->>'op' <> 'D') RETURNING 1) SELECT count(*)::text FROM d",
      {peer, snapshot, mirror ? "true" : "false"});
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

Result<std::uint64_t> drop_quarantined_before(pg::Connection& conn, const std::string& peer,
                                              const std::vector<const Change*>& applied) {
  // Nothing quarantined from this peer is the common case: one cheap look per batch.
  auto any = conn.scalar("SELECT EXISTS (SELECT 1 FROM tandem.quarantine WHERE peer = $1)::text", {peer});
  if (!any.ok()) return any.error();
  if (any->value_or("false") != "true" || applied.empty()) return std::uint64_t{0};
  nlohmann::json keys = nlohmann::json::array();
  for (const Change* c : applied) keys.push_back({c->schema, c->table, c->pk, c->id});
  auto n = conn.scalar(
      "WITH d AS (DELETE FROM tandem.quarantine q USING jsonb_array_elements($2::jsonb) k"
      " WHERE q.peer = $1 AND q.change->>'schema' = k->>0 AND q.change->>'table' = k->>1"
      " AND q.change->'pk' = k->2 AND (q.change->>'id')::bigint < (k->>3)::bigint RETURNING 1)"
      " SELECT count(*)::text FROM d",
      {peer, keys.dump()});
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

Result<QuarantineAction> discard_quarantined(pg::Connection& conn, std::int64_t id) {
  auto rows = conn.query("DELETE FROM tandem.quarantine WHERE id = $1::bigint RETURNING " + columns(),
                         {std::to_string(id)});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return make_error(kQuarantineUnknown, "no quarantined change " + std::to_string(id), "id");
  return QuarantineAction{read_row(rows->front()).view, {}};
}

}  // namespace tandem
