// Receiving side of periodic sync: apply_changes. One transaction per batch, under
// tandem.origin = <peer> so that nothing it writes is captured again (no echo).
//
// Order of work, so that every PostgreSQL round trip is spent on rows:
//  1. one query finds the local changes the peer has not acknowledged for any key in
//     the batch (the only possible conflicts);
//  2. each change is decided: apply, or skip because the local version won (the rule in
//     conflict.hpp); the local row of each conflict is read now, before it is overwritten;
//  3. fast path: every applied change runs as one prepared statement under a single
//     batch savepoint; if any fails, the batch rolls back to it and runs again with one
//     savepoint per change, so a bad row is quarantined and the rest still applies;
//  4. conflicts are recorded, losing local changes marked superseded, the cursor stored;
//     COMMIT.
#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "base/log.hpp"
#include "persistence/periodic/apply_statements.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/conflict.hpp"
#include "persistence/periodic/cursor_store.hpp"
#include "persistence/periodic/feed_sql.hpp"
#include "persistence/periodic/quarantine.hpp"

namespace tandem {
namespace {

// The newest local change of one key that the peer has not acknowledged.
struct LocalPending {
  std::int64_t id = 0;
  ChangeVersion version;
  std::string changed_at;  // timestamptz text, for tandem.conflicts
};

struct ConflictRecord {
  const Change* change = nullptr;
  LocalPending local;
  std::optional<std::string> local_row;  // jsonb text of the row before apply
  ConflictWinner winner = ConflictWinner::local;
};

struct Step {
  const Change* change = nullptr;
  const pg::TableInfo* table = nullptr;
  std::string statement;                  // prepared name
  std::string param;                      // row or pk as JSON text
  int conflict = -1;                      // index into conflicts, when remote won one
  std::string error;                      // non-empty: quarantined
  std::optional<std::string> local_row;   // when quarantined: the row here then ("null": none)
};

std::string key_of(const Change& c) { return c.schema + '\0' + c.table + '\0' + c.pk.dump(); }

class BatchApply {
 public:
  BatchApply(pg::Connection& conn, const pg::Catalog& catalog, const ChangeBatch& batch,
             const std::string& peer, const ConflictPolicy& policy)
      : conn_(conn), catalog_(catalog), batch_(batch), peer_(peer), policy_(policy), prepared_(conn) {}

  Result<ApplyStats> run() {
    if (auto s = load_pending(); !s.ok()) return s.error();
    if (auto s = decide(); !s.ok()) return s.error();
    if (auto s = execute(); !s.ok()) return s.error();
    if (auto s = record(); !s.ok()) return s.error();
    if (auto s = periodic::store_cursor(conn_, peer_, batch_.next); !s.ok()) return s.error();
    return stats_;
  }

  void release() { prepared_.release(); }

 private:
  Status load_pending() {
    nlohmann::json keys = nlohmann::json::array();
    std::vector<std::string> names;
    for (const auto& c : batch_.changes) {
      std::string k = key_of(c);
      if (index_of_key_.emplace(k, names.size()).second) {
        names.push_back(k);
        keys.push_back({c.schema, c.table, c.pk});
      }
    }
    if (names.empty()) return ok_status();
    auto rows = conn_.query(
        "SELECT e.i::text, c.id::text, c.origin, " + periodic::epoch_ms_expr("c.changed_at") +
            "::text, c.changed_at::text FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY e(k, i)"
            " JOIN tandem.change_log c ON c.table_schema = e.k->>0 AND c.table_name = e.k->>1"
            " AND c.pk = e.k->2 LEFT JOIN tandem.peer_acks a ON a.peer = $2"
            " WHERE NOT c.superseded AND NOT " + periodic::acked_condition("c", "a"),
        {keys.dump(), peer_});
    if (!rows.ok()) return rows.error();
    for (const auto& r : *rows) {
      const std::string& key = names[std::stoul(*r[0]) - 1];
      LocalPending p{std::stoll(*r[1]), ChangeVersion{*r[2], std::stoll(*r[3])}, *r[4]};
      auto& slot = pending_[key];
      if (p.id > slot.id) slot = p;
    }
    return ok_status();
  }

  const pg::TableInfo* table_for(const Change& c) {
    auto k = c.schema + '\0' + c.table;
    auto it = tables_.find(k);
    if (it == tables_.end()) it = tables_.emplace(k, catalog_.find(c.schema, c.table)).first;
    return it->second;
  }

  Status decide() {
    steps_.reserve(batch_.changes.size());
    for (const auto& c : batch_.changes) {
      Step st{&c, table_for(c), {}, {}, -1, {}, {}};
      if (!st.table) st.error = "table " + c.schema + "." + c.table + " is not synced on this node";
      else if (st.table->primary_key.empty()) st.error = "table " + st.table->qualified() + " has no primary key here";
      if (!st.error.empty()) { steps_.push_back(std::move(st)); continue; }

      auto p = pending_.find(key_of(c));
      if (p != pending_.end()) {
        ConflictRecord rec{&c, p->second, {}, resolve_conflict(policy_, p->second.version,
                                                               {c.origin, c.changed_at})};
        auto row = conn_.query(periodic::current_row_sql(conn_, *st.table), {c.pk.dump()});
        if (!row.ok()) return row.error();
        if (!row->empty()) rec.local_row = row->front()[0];
        conflicts_.push_back(std::move(rec));
        if (conflicts_.back().winner == ConflictWinner::local) {
          ++stats_.skipped;  // the local version stays and will reach the peer
          continue;
        }
        st.conflict = static_cast<int>(conflicts_.size()) - 1;
        pending_.erase(p);  // superseded: later changes of this key apply plainly
      }
      auto sql = c.op == 'D' ? periodic::delete_sql(conn_, *st.table) : periodic::upsert_sql(conn_, *st.table);
      auto name = prepared_.prepare(sql);
      // Generated from our own catalog: a failure is a bug or a concurrent DDL, and it
      // has aborted the transaction, so the whole batch fails (and is retried).
      if (!name.ok()) return name.error();
      st.statement = *name;
      st.param = c.op == 'D' ? c.pk.dump() : c.row.dump();
      steps_.push_back(std::move(st));
    }
    return ok_status();
  }

  Status execute() {
    if (auto s = conn_.exec("SAVEPOINT tandem_batch"); !s.ok()) return s;
    bool clean = true;
    for (auto& st : steps_)
      if (st.error.empty() && !prepared_.run(st.statement, st.param).ok()) { clean = false; break; }
    if (clean) return conn_.exec("RELEASE SAVEPOINT tandem_batch");
    // Slow path: one savepoint per change, so one bad row costs only itself.
    if (auto s = conn_.exec("ROLLBACK TO SAVEPOINT tandem_batch"); !s.ok()) return s;
    for (auto& st : steps_) {
      if (!st.error.empty()) continue;
      if (auto s = conn_.exec("SAVEPOINT tandem_change"); !s.ok()) return s;
      auto r = prepared_.run(st.statement, st.param);
      // A lost lock conflict or connection says nothing about the change: the batch
      // fails and the next round applies it, instead of quarantining a good change.
      if (!r.ok() && r.error().code != pg::kError) return r.error();
      if (auto s = conn_.exec(r.ok() ? "RELEASE SAVEPOINT tandem_change" : "ROLLBACK TO SAVEPOINT tandem_change");
          !s.ok())
        return s;
      if (!r.ok()) {
        st.error = r.error().message;
        // The row as the change found it, so that a retry can tell whether it has
        // changed since (quarantine.hpp).
        auto row = conn_.query(periodic::current_row_sql(conn_, *st.table), {st.change->pk.dump()});
        if (!row.ok()) return row.error();
        st.local_row = row->empty() ? std::string("null") : row->front()[0].value_or("null");
      }
    }
    return conn_.exec("RELEASE SAVEPOINT tandem_batch");
  }

  Status record() {
    for (const auto& st : steps_) {
      if (st.error.empty()) {
        ++stats_.applied;
        stats_.newest_changed_at = std::max(stats_.newest_changed_at, st.change->changed_at);
        if (st.conflict >= 0)
          if (auto s = supersede(conflicts_[st.conflict]); !s.ok()) return s;
        continue;
      }
      ++stats_.quarantined;
      log::warn("periodic") << "change " << st.change->id << " from " << peer_ << " on "
                            << st.change->schema << "." << st.change->table << " quarantined: " << st.error;
      if (auto q = quarantine_change(conn_, peer_, *st.change, st.error, st.local_row); !q.ok()) return q;
    }
    std::vector<const Change*> applied;
    for (const auto& st : steps_)
      if (st.error.empty()) applied.push_back(st.change);
    auto dropped = drop_quarantined_before(conn_, peer_, applied);
    if (!dropped.ok()) return dropped.error();
    if (*dropped > 0)
      log::info("periodic") << "dropped " << *dropped << " quarantined change(s) from " << peer_
                            << ": a newer change of the same row applied";
    for (const auto& c : conflicts_) {
      ++stats_.conflicts;
      const Change& ch = *c.change;
      auto q = conn_.query(
          "INSERT INTO tandem.conflicts (table_schema, table_name, pk, local_row, remote_row, local_origin,"
          " remote_origin, local_changed_at, remote_changed_at, winner, policy) VALUES ($1, $2, $3::jsonb,"
          " $4::jsonb, $5::jsonb, $6, $7, $8::timestamptz, to_timestamp($9::bigint / 1000.0), $10, $11)",
          {ch.schema, ch.table, ch.pk.dump(), c.local_row, ch.op == 'D' ? pg::Value{} : pg::Value{ch.row.dump()},
           c.local.version.origin, ch.origin, c.local.changed_at, std::to_string(ch.changed_at),
           std::string(to_string(c.winner)), policy_.text()});
      if (!q.ok()) return q.error();
    }
    return ok_status();
  }

  // The remote version won: the local changes of that key seen in step 1 are never sent.
  Status supersede(const ConflictRecord& c) {
    auto q = conn_.query(
        "UPDATE tandem.change_log SET superseded = true WHERE table_schema = $1 AND table_name = $2"
        " AND pk = $3::jsonb AND id <= $4::bigint AND NOT superseded",
        {c.change->schema, c.change->table, c.change->pk.dump(), std::to_string(c.local.id)});
    if (!q.ok()) return q.error();
    return ok_status();
  }

  pg::Connection& conn_;
  const pg::Catalog& catalog_;
  const ChangeBatch& batch_;
  std::string peer_;
  const ConflictPolicy& policy_;
  periodic::PreparedSet prepared_;
  std::unordered_map<std::string, std::size_t> index_of_key_;
  std::unordered_map<std::string, LocalPending> pending_;
  std::unordered_map<std::string, const pg::TableInfo*> tables_;
  std::vector<ConflictRecord> conflicts_;
  std::vector<Step> steps_;
  ApplyStats stats_;
};

}  // namespace

Result<ApplyStats> apply_changes(pg::Connection& conn, const pg::Catalog& catalog,
                                 const ChangeBatch& batch, const std::string& peer,
                                 const std::string& /*local_node*/, const ConflictPolicy& policy) {
  // set_config(…, true) is SET LOCAL with a parameter, so a peer id needs no quoting.
  if (auto s = conn.exec("BEGIN"); !s.ok()) return s.error();
  auto origin = conn.query("SELECT set_config('tandem.origin', $1, true)", {peer});
  if (!origin.ok()) {
    (void)conn.exec("ROLLBACK");
    return origin.error();
  }
  BatchApply apply(conn, catalog, batch, peer, policy);
  auto stats = apply.run();
  if (!stats.ok()) {
    (void)conn.exec("ROLLBACK");
    apply.release();
    return stats.error();
  }
  auto committed = conn.exec("COMMIT");
  apply.release();
  if (!committed.ok()) return committed.error();
  return stats;
}

}  // namespace tandem
