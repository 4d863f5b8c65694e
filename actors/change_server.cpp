// change_server — the serving side of periodic sync on this node (detached: libpq).
// At start it installs change capture (schema tandem + triggers), retrying every 10 s
// while the database is away; it answers peers' requests for changes after their cursor,
// counts what a peer has not fetched yet, and prunes the log every minute.
//
//   (changes_atom, peer, cursor_json, limit) -> batch_json | error text in {"error": …}
//   (pending_atom, peer)                     -> uint64 (or max when unknown)
//   (conflicts_atom, peer, limit)            -> JSON array of conflict_to_json | {"error": …}
//   (quarantine_atom, peer, limit)           -> {"ok": QuarantineList} | {"error", "code"}
//   (qretry_atom | qdiscard_atom, id, who)   -> {"ok": QuarantineAction} | {"error", "code"}
//   (qretryall_atom, peer, who)              -> {"ok": QuarantineSweep} | {"error", "code"}
#include <caf/all.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/periodic_actors.hpp"
#include "base/failpoint.hpp"
#include "base/log.hpp"
#include "base/thread_name.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/conflict_log.hpp"
#include "persistence/periodic/quarantine.hpp"

namespace tandem {
namespace {

using namespace std::chrono;
using nlohmann::json;

struct change_server_state {
  NodeContextPtr ctx;
  std::optional<pg::Connection> conn;
  bool installed = false;
  static inline const char* name = "change_server";
};

using Self = caf::stateful_actor<change_server_state>;

// (Re)connects and installs capture; false (logged) while the database is away.
bool ready(Self* self) {
  auto& st = self->state;
  if (st.conn && st.installed && PQstatus(st.conn->raw()) == CONNECTION_OK) return true;
  st.installed = false;
  auto conn = open_data_plane_connection(st.ctx->config.database_conninfo, "periodic serve");
  if (!conn.ok()) {
    log::warn("periodic") << "change capture: " << conn.error().describe();
    st.conn.reset();
    return false;
  }
  st.conn = std::move(*conn);
  failpoint("capture_install");  // lets tests land the install inside a restore
  auto catalog = pg::load_catalog(*st.conn, st.ctx->selection());
  Status s = catalog.ok() ? install_change_capture(*st.conn, *catalog, st.ctx->node_id())
                          : Status(catalog.error());
  if (!s.ok()) {
    // A table held by another transaction (a full sync's restore holds them to its
    // commit) is a reason to wait, not a fault.
    if (s.error().code == kCaptureLocked)
      log::warn("periodic") << s.error().describe() << "; trying again in 10 s";
    else
      log::error("periodic") << "cannot install change capture: " << s.error().describe();
    return false;
  }
  st.installed = true;
  log::info("periodic") << "change capture installed on " << catalog->tables.size() << " tables";
  return true;
}

json failure(const Error& e) { return {{"error", e.message}, {"code", e.code}}; }

// "change 7 from a on public.items {"id":2}": a quarantined change in the log.
std::string describe(const QuarantinedChange& c) {
  return "quarantined change " + std::to_string(c.id) + " from " + c.peer + " on " + c.table + " " + c.key;
}

// Retries or discards quarantined change `id`, as `who` asked (for the log).
std::string act_on_quarantined(Self* self, bool retry, std::int64_t id, const std::string& who) {
  if (!ready(self)) return json{{"error", "the database is not reachable"}}.dump();
  auto& conn = *self->state.conn;
  auto run = [&]() -> Result<QuarantineAction> {
    if (!retry) return discard_quarantined(conn, id);
    auto catalog = pg::load_catalog(conn, self->state.ctx->selection());
    if (!catalog.ok()) return catalog.error();
    return retry_quarantined(conn, *catalog, id);
  };
  auto done = run();
  if (!done.ok()) {
    if (retry && done.error().code != kQuarantineUnknown)
      log::warn("periodic") << "retry of quarantined change " << id << " (" << who
                            << "): " << done.error().message;
    return failure(done.error()).dump();
  }
  auto line = log::info("periodic");
  line << describe(done->change) << (retry ? " applied on retry" : " discarded");
  if (!done->superseded.empty()) line << ", with " << done->superseded.size() << " older change(s) of the row";
  line << " (" << who << ")";
  return json{{"ok", *done}}.dump();
}

// Retries the newest quarantined change of every row (of `peer`'s, when given).
std::string retry_all(Self* self, const std::string& peer, const std::string& who) {
  if (!ready(self)) return json{{"error", "the database is not reachable"}}.dump();
  auto& conn = *self->state.conn;
  auto catalog = pg::load_catalog(conn, self->state.ctx->selection());
  if (!catalog.ok()) return failure(catalog.error()).dump();
  // Bounded, so the peers' fetches this server also answers wait a few seconds at most.
  auto sweep = retry_all_quarantined(conn, *catalog, peer, 500);
  if (!sweep.ok()) return failure(sweep.error()).dump();
  log::info("periodic") << "retry of the quarantined changes" << (peer.empty() ? "" : " from " + peer) << " ("
                        << who << "): " << sweep->applied << " applied (" << sweep->superseded
                        << " older ones dropped with them), " << sweep->still_failing << " still failing, "
                        << sweep->row_changed << " refused (row changed since), " << sweep->remaining << " held";
  return json{{"ok", *sweep}}.dump();
}

std::vector<std::string> peer_ids(const NodeContext& ctx) {
  std::vector<std::string> ids;
  for (const auto& p : ctx.config.peers) ids.push_back(p.id);
  return ids;
}

caf::behavior change_server(Self* self, NodeContextPtr ctx) {
  name_this_thread("tandem.changes");
  self->state.ctx = std::move(ctx);
  self->send(self, tick_atom::value);
  self->send(self, prune_atom::value);
  return {
      [=](tick_atom) {
        if (!ready(self)) self->delayed_send(self, seconds(10), tick_atom::value);
      },
      [=](prune_atom) {
        self->delayed_send(self, minutes(1), prune_atom::value);
        if (!ready(self)) return;
        auto n = prune_change_log(*self->state.conn, peer_ids(*self->state.ctx));
        if (!n.ok()) log::warn("periodic") << "prune: " << n.error().describe();
        else if (*n > 0) log::info("periodic") << "pruned " << *n << " changes every peer has";
        const int days = self->state.ctx->config.sync.conflict_retention_days;
        auto old = prune_conflicts(*self->state.conn, days);
        if (!old.ok()) log::warn("periodic") << "prune conflicts: " << old.error().describe();
        else if (*old > 0)
          log::info("periodic") << "deleted " << *old << " conflict records older than " << days
                                << " days (sync.conflict_retention_days)";
      },
      [=](changes_atom, const std::string& peer, const std::string& cursor_json,
          std::uint64_t limit) -> std::string {
        if (!ready(self)) return json{{"error", "this node's database is not reachable"}}.dump();
        auto j = json::parse(cursor_json, nullptr, false);
        ChangeCursor after;
        if (j.is_object()) {
          after.prev_snapshot = j.value("prev_snapshot", "");
          after.window_snapshot = j.value("window_snapshot", "");
          after.last_id = j.value("last_id", std::int64_t{0});
        }
        auto batch = fetch_changes(*self->state.conn, self->state.ctx->node_id(), peer, after,
                                   std::min<std::uint64_t>(limit, 20000));
        if (!batch.ok()) return json{{"error", batch.error().describe()}}.dump();
        return batch_to_json(*batch).dump();
      },
      [=](pending_atom, const std::string& peer) -> std::uint64_t {
        if (!ready(self)) return UINT64_MAX;
        auto n = pending_changes(*self->state.conn, self->state.ctx->node_id(), peer);
        return n.ok() ? *n : UINT64_MAX;
      },
      [=](conflicts_atom, const std::string& peer, std::uint64_t limit) -> std::string {
        if (!ready(self)) return json{{"error", "the database is not reachable"}}.dump();
        auto list = recent_conflicts(*self->state.conn, peer, limit);
        if (!list.ok()) return json{{"error", list.error().describe()}}.dump();
        json out = json::array();
        for (const auto& c : *list) out.push_back(conflict_to_json(c));
        return out.dump();
      },
      [=](quarantine_atom, const std::string& peer, std::uint64_t limit) -> std::string {
        if (!ready(self)) return json{{"error", "the database is not reachable"}}.dump();
        auto list = list_quarantined(*self->state.conn, peer, limit);
        if (!list.ok()) return failure(list.error()).dump();
        return json{{"ok", *list}}.dump();
      },
      [=](qretry_atom, std::int64_t id, const std::string& who) -> std::string {
        return act_on_quarantined(self, true, id, who);
      },
      [=](qdiscard_atom, std::int64_t id, const std::string& who) -> std::string {
        return act_on_quarantined(self, false, id, who);
      },
      [=](qretryall_atom, const std::string& peer, const std::string& who) -> std::string {
        return retry_all(self, peer, who);
      },
  };
}

}  // namespace

caf::actor spawn_change_server(caf::actor_system& sys, NodeContextPtr ctx) {
  return sys.spawn<caf::detached>(change_server, std::move(ctx));
}

}  // namespace tandem
